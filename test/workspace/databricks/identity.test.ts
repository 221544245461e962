import { describe, expect, it } from 'vitest';
import { PatCredentials } from '../../../src/workspace/databricks/credentials.js';
import { DatabricksClient } from '../../../src/workspace/databricks/http-client.js';
import { experimentPath, Identity } from '../../../src/workspace/databricks/identity.js';
import { useFakeDatabricks } from '../../fakes/databricks/helpers.js';

describe('experimentPath', () => {
  it('keeps absolute paths and puts relative names under /Users/<me>/', () => {
    expect(experimentPath('/Shared/x/', 'me@x.com')).toBe('/Shared/x');
    expect(experimentPath('iris', 'me@x.com')).toBe('/Users/me@x.com/iris');
    expect(experimentPath('~/a/b', 'me@x.com')).toBe('/Users/me@x.com/a/b');
  });
});

describe('Identity', () => {
  const startFake = useFakeDatabricks();

  it('asks SCIM Me once and remembers the answer', async () => {
    const fake = await startFake();
    const identity = new Identity(new DatabricksClient({ host: fake.url, credentials: new PatCredentials(fake.token) }));
    const [a, b] = await Promise.all([identity.me(), identity.me()]);
    expect(a).toEqual({ id: '4242424242424242', userName: fake.userName, displayName: 'First Last' });
    expect(b).toBe(a);
    expect(fake.requests.filter((r) => r.path === '/api/2.0/preview/scim/v2/Me')).toHaveLength(1);
  });

  it('forgets a failed lookup so a later call can succeed', async () => {
    const fake = await startFake();
    const identity = new Identity(new DatabricksClient({ host: fake.url, credentials: new PatCredentials(fake.token), retry: { maxRetries: 0 } }));
    fake.faults.add({ path: '/api/2.0/preview/scim/v2/Me', status: 500 });
    await expect(identity.me()).rejects.toMatchObject({ status: 500 });
    expect((await identity.me()).userName).toBe(fake.userName);
  });
});
