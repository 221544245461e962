import { describe, expect, it } from 'vitest';
import { credentialsFor, OAuthM2MCredentials, PatCredentials } from '../../../src/workspace/databricks/credentials.js';
import { DatabricksClient } from '../../../src/workspace/databricks/http-client.js';
import { useFakeDatabricks } from '../../fakes/databricks/helpers.js';

describe('PatCredentials', () => {
  it('sends the token as a bearer token and lists it as a secret', async () => {
    const pat = new PatCredentials('dapi-abc-123');
    expect(await pat.authorization()).toBe('Bearer dapi-abc-123');
    expect(pat.secrets()).toEqual(['dapi-abc-123']);
  });
});

describe('OAuthM2MCredentials', () => {
  const startFake = useFakeDatabricks();
  const client = { clientId: 'sp-client-id', clientSecret: 'sp-secret-value-42' };

  it('discovers the token endpoint, caches the token and refreshes it before it expires', async () => {
    const fake = await startFake({ oauthClient: client, oauthTokenLifetime: 3600 });
    let now = 1_000_000;
    const creds = new OAuthM2MCredentials({ host: fake.url, ...client, now: () => now, refreshMarginMs: 60_000 });
    const api = new DatabricksClient({ host: fake.url, credentials: creds });

    const me = await api.json<{ userName: string }>('GET', '/api/2.0/preview/scim/v2/Me');
    expect(me.userName).toBe(fake.userName);
    await api.json('GET', '/api/2.0/preview/scim/v2/Me');
    expect(creds.tokenRequests).toBe(1); // cached

    now += 3600_000 - 59_000; // within the refresh margin
    await api.json('GET', '/api/2.0/preview/scim/v2/Me');
    expect(creds.tokenRequests).toBe(2);

    const discovery = fake.requests.filter((r) => r.path === '/oidc/.well-known/oauth-authorization-server');
    expect(discovery).toHaveLength(1);
    const tokenRequest = fake.requests.find((r) => r.path === '/oidc/v1/token')!;
    expect(new TextDecoder().decode(tokenRequest.body)).toBe('grant_type=client_credentials&scope=all-apis');
    expect(tokenRequest.headers.authorization).toMatch(/^Basic /);
  });

  it('shares one token request between concurrent callers', async () => {
    const fake = await startFake({ oauthClient: client });
    const creds = new OAuthM2MCredentials({ host: fake.url, ...client });
    const headers = await Promise.all([creds.authorization(), creds.authorization(), creds.authorization()]);
    expect(new Set(headers).size).toBe(1);
    expect(creds.tokenRequests).toBe(1);
  });

  it('reports a refused client without the secret', async () => {
    const fake = await startFake({ oauthClient: client });
    const creds = new OAuthM2MCredentials({ host: fake.url, clientId: 'sp-client-id', clientSecret: 'wrong-secret-value' });
    const error = await creds.authorization().catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/OAuth token request to http:\/\/127\.0\.0\.1:\d+\/oidc\/v1\/token failed with 401 invalid_client.*DATABRICKS_CLIENT_SECRET/);
    expect((error as Error).message).not.toContain('wrong-secret-value');
  });

  it('is what credentialsFor builds for oauth-m2m', () => {
    const creds = credentialsFor({ host: 'https://h', authType: 'oauth-m2m', clientId: 'a', clientSecret: 'bbbb', configFile: 'f', sources: {} });
    expect(creds).toBeInstanceOf(OAuthM2MCredentials);
    expect(creds.secrets()).toContain('bbbb');
  });
});
