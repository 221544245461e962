import { describe, expect, it } from 'vitest';
import { isExpiredUrlResponse, StorageClient, withQuery } from '../../../src/workspace/databricks/cloud-storage.js';
import { recordingSleep, useFakeDatabricks } from '../../fakes/databricks/helpers.js';

const xml = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('isExpiredUrlResponse', () => {
  it('recognises the Azure and S3 expired-signature answers only', () => {
    expect(isExpiredUrlResponse({ status: 403, body: xml('<Error><Code>AuthenticationFailed</Code><AuthenticationErrorDetail>Signature not valid in the specified time frame</AuthenticationErrorDetail></Error>') })).toBe(true);
    expect(isExpiredUrlResponse({ status: 403, body: xml('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>') })).toBe(true);
    expect(isExpiredUrlResponse({ status: 403, body: xml('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>') })).toBe(false);
    expect(isExpiredUrlResponse({ status: 400, body: xml('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>') })).toBe(false);
  });
});

describe('StorageClient', () => {
  const startFake = useFakeDatabricks();

  it('never sends an Authorization header, even if one is passed in', async () => {
    const fake = await startFake();
    const url = fake.cloud.url('/_s3/b/k', ['PUT'], 's3');
    const response = await new StorageClient().send({ method: 'PUT', url, headers: { Authorization: 'Bearer dapi-leak' }, body: new Uint8Array([1]) });
    expect(response.status).toBe(200);
    expect(fake.cloudRequests()[0]!.headers.authorization).toBeUndefined();
  });

  it('retries 503 and 429 from storage', async () => {
    const fake = await startFake();
    const { sleep, waits } = recordingSleep();
    fake.faults.add({ path: '/_s3/b/k', status: 503 });
    fake.faults.add({ path: '/_s3/b/k', status: 429, retryAfter: '2' });
    const response = await new StorageClient({ sleep, random: () => 1 }).send({ method: 'PUT', url: fake.cloud.url('/_s3/b/k', ['PUT'], 's3'), body: new Uint8Array([1]) });
    expect(response.status).toBe(200);
    expect(waits).toEqual([500, 2000]);
  });

  it('appends parameters to a SAS URL', () => {
    expect(withQuery('https://a.blob.core.windows.net/c/b?sv=1&sig=x', { comp: 'block', blockid: 'YQ==' })).toBe('https://a.blob.core.windows.net/c/b?sv=1&sig=x&comp=block&blockid=YQ%3D%3D');
  });
});
