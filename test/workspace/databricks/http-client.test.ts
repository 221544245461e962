import { describe, expect, it } from 'vitest';
import { HttpError, MlopsError } from '../../../src/errors.js';
import { encodePath } from '../../../src/workspace/databricks/http-client.js';
import { patClient, recordingSleep, useFakeDatabricks } from '../../fakes/databricks/helpers.js';

describe('DatabricksClient', () => {
  const startFake = useFakeDatabricks();

  it('retries 429 after the Retry-After the server asked for, then 503 with back-off', async () => {
    const fake = await startFake();
    const { sleep, waits } = recordingSleep();
    const { client } = patClient(fake, sleep);
    fake.faults.add({ path: '/api/2.0/preview/scim/v2/Me', status: 429, retryAfter: '7', times: 1 });
    fake.faults.add({ path: '/api/2.0/preview/scim/v2/Me', status: 503, times: 2 });
    const me = await client.json<{ userName: string }>('GET', '/api/2.0/preview/scim/v2/Me');
    expect(me.userName).toBe(fake.userName);
    expect(waits).toEqual([7000, 1000, 2000]);
    expect(fake.requests.filter((r) => r.path === '/api/2.0/preview/scim/v2/Me')).toHaveLength(4);
  });

  it('retries 429 on POST too (the request was not processed), but not a 500', async () => {
    const fake = await startFake();
    const { sleep } = recordingSleep();
    const { client } = patClient(fake, sleep);
    fake.faults.add({ path: '/api/2.0/workspace/mkdirs', status: 429, retryAfter: '0' });
    await client.json('POST', '/api/2.0/workspace/mkdirs', { json: { path: '/Shared/a' } });
    fake.faults.add({ path: '/api/2.0/workspace/mkdirs', status: 500 });
    await expect(client.json('POST', '/api/2.0/workspace/mkdirs', { json: { path: '/Shared/b' } })).rejects.toMatchObject({ status: 500 });
  });

  it('gives up after maxRetries and reports the last status and server error code', async () => {
    const fake = await startFake();
    const { sleep } = recordingSleep();
    const { client } = patClient(fake, sleep);
    fake.faults.add({ path: '/api/2.0/preview/scim/v2/Me', status: 503, times: 100 });
    const error = (await client.json('GET', '/api/2.0/preview/scim/v2/Me').catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error.status).toBe(503);
    expect(error.serverCode).toBe('TEMPORARILY_UNAVAILABLE');
    expect(error.message).toMatch(/Databricks GET \/api\/2\.0\/preview\/scim\/v2\/Me failed with 503 TEMPORARILY_UNAVAILABLE.* \(gave up after 7 attempts\)$/);
  });

  it('maps error codes to typed errors and never puts the token in them', async () => {
    const fake = await startFake();
    const { client } = patClient(fake);
    const missing = (await client.json('GET', '/api/2.0/mlflow/experiments/get', { query: { experiment_id: '1' } }).catch((e: unknown) => e)) as MlopsError;
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('RESOURCE_DOES_NOT_EXIST');

    const bad = new (client.constructor as typeof import('../../../src/workspace/databricks/http-client.js').DatabricksClient)({
      host: fake.url,
      credentials: { authType: 'pat', authorization: async () => 'Bearer dapi-not-the-right-one', secrets: () => ['dapi-not-the-right-one'] },
    });
    const unauthorized = (await bad.json('GET', '/api/2.0/preview/scim/v2/Me').catch((e: unknown) => e)) as HttpError;
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.details?.hint).toMatch(/DATABRICKS_TOKEN/);
    expect(JSON.stringify({ m: unauthorized.message, d: unauthorized.details, u: unauthorized.url })).not.toContain('dapi-not-the-right-one');
  });

  it('stops waiting as soon as the signal fires', async () => {
    const fake = await startFake();
    const { client } = patClient(fake); // the real, abortable sleep
    fake.faults.add({ path: '/api/2.0/preview/scim/v2/Me', status: 429, retryAfter: '30' });
    const controller = new AbortController();
    const pending = client.json('GET', '/api/2.0/preview/scim/v2/Me', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('encodePath', () => {
  it('encodes each path segment but keeps the slashes', () => {
    expect(encodePath('/Volumes/c/s/v/a b/ü#1.parquet')).toBe('/Volumes/c/s/v/a%20b/%C3%BC%231.parquet');
  });
});
