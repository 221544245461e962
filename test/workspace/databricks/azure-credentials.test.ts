import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDatabricksConfig } from '../../../src/workspace/databricks/auth-config.js';
import { AzureClientSecretCredentials, credentialsFor } from '../../../src/workspace/databricks/credentials.js';
import { DatabricksClient } from '../../../src/workspace/databricks/http-client.js';

// azure-client-secret against a local HTTP server standing in for Entra ID's v1 token endpoint
// (POST /<tenant>/oauth2/token, form client_id, client_secret, resource, as databricks-sdk's
// ClientCredentials(use_params=True) sends it) and for the workspace (/aad/auth redirect, an API).

const SECRET = 'arm-secret-value-77';
const LOGIN_APP = 'login-app-id';
const MANAGEMENT = 'https://management.example/';

interface Seen {
  path: string;
  form?: Record<string, string>;
  headers: IncomingMessage['headers'];
}

async function body(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
}

describe('AzureClientSecretCredentials', () => {
  let server: Server;
  let url: string;
  const seen: Seen[] = [];
  let issued = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      void (async () => {
        const path = request.url ?? '';
        const text = await body(request);
        const form = request.method === 'POST' ? Object.fromEntries(new URLSearchParams(text)) : undefined;
        seen.push({ path, headers: request.headers, ...(form ? { form } : {}) });
        const json = (status: number, value: unknown): void => {
          response.writeHead(status, { 'Content-Type': 'application/json' });
          response.end(JSON.stringify(value));
        };
        if (path === '/aad/auth') {
          response.writeHead(302, { Location: `${url}/tenant-from-redirect/oauth2/authorize?client_id=x` });
          response.end();
        } else if (/^\/[^/]+\/oauth2\/token$/.test(path) && form !== undefined) {
          if (form['client_secret'] !== SECRET) return json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
          issued += 1;
          return json(200, { token_type: 'Bearer', expires_in: '3599', access_token: `aad-${form['resource']}-${issued}` });
        } else if (path === '/api/2.0/preview/scim/v2/Me') {
          return json(200, { userName: 'sp' });
        } else json(404, { error_code: 'ENDPOINT_NOT_FOUND' });
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const environment = (): { activeDirectoryEndpoint: string; serviceManagementEndpoint: string; loginAppId: string } => ({
    activeDirectoryEndpoint: `${url}/`,
    serviceManagementEndpoint: MANAGEMENT,
    loginAppId: LOGIN_APP,
  });

  it('exchanges the client secret for tokens for the login app and the management endpoint, sends both, and caches them', async () => {
    seen.length = 0;
    let now = 1_000_000;
    const creds = new AzureClientSecretCredentials({
      host: url,
      clientId: 'arm-client',
      clientSecret: SECRET,
      tenantId: 'tenant-1',
      workspaceResourceId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Databricks/workspaces/w',
      environment: environment(),
      now: () => now,
    });
    const api = new DatabricksClient({ host: url, credentials: creds });
    await api.json('GET', '/api/2.0/preview/scim/v2/Me');
    await api.json('GET', '/api/2.0/preview/scim/v2/Me');
    const tokenCalls = seen.filter((entry) => entry.path === '/tenant-1/oauth2/token');
    expect(tokenCalls.map((entry) => entry.form)).toEqual([
      { grant_type: 'client_credentials', scope: 'all-apis', resource: LOGIN_APP, client_id: 'arm-client', client_secret: SECRET },
      { grant_type: 'client_credentials', scope: 'all-apis', resource: MANAGEMENT, client_id: 'arm-client', client_secret: SECRET },
    ]);
    const calls = seen.filter((entry) => entry.path === '/api/2.0/preview/scim/v2/Me');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.headers.authorization).toMatch(new RegExp(`^Bearer aad-${LOGIN_APP}-\\d+$`));
    expect(calls[1]!.headers['x-databricks-azure-sp-management-token']).toMatch(/^aad-https:\/\/management\.example\/-\d+$/);
    expect(calls[1]!.headers['x-databricks-azure-workspace-resource-id']).toContain('/workspaces/w');
    expect(creds.tokenRequests).toBe(2);
    expect(creds.secrets()).toHaveLength(3);
    now += 3_599_000 - 30_000; // within the refresh margin: both tokens are fetched again
    await api.json('GET', '/api/2.0/preview/scim/v2/Me');
    expect(creds.tokenRequests).toBe(4);
  });

  it('reads the tenant from the workspace login redirect when none is configured', async () => {
    seen.length = 0;
    const creds = new AzureClientSecretCredentials({ host: url, clientId: 'arm-client', clientSecret: SECRET, environment: environment() });
    expect(await creds.authorization()).toMatch(/^Bearer aad-/);
    expect(seen.map((entry) => entry.path)).toEqual(['/aad/auth', '/tenant-from-redirect/oauth2/token']);
  });

  it('reports a refused secret by the variables to check, never with the secret', async () => {
    const creds = new AzureClientSecretCredentials({ host: url, clientId: 'arm-client', clientSecret: 'wrong-secret-123', tenantId: 't', environment: environment() });
    const error = (await creds.authorization().then(
      () => undefined,
      (caught: unknown) => caught,
    )) as Error;
    expect(error.message).toContain('401 invalid_client');
    expect(error.message).toContain('ARM_CLIENT_SECRET');
    expect(error.message).not.toContain('wrong-secret-123');
  });
});

describe('azure-client-secret in the resolution', () => {
  const resolve = (env: Record<string, string>): ReturnType<typeof resolveDatabricksConfig> =>
    resolveDatabricksConfig({ explicit: {}, env, configFile: '/nowhere/.databrickscfg', configFileText: undefined });
  const azure = { ARM_CLIENT_ID: 'arm-client', ARM_CLIENT_SECRET: SECRET, ARM_TENANT_ID: 'tenant-1' };

  it('is chosen for ARM_CLIENT_ID + ARM_CLIENT_SECRET on an Azure host, and credentialsFor builds it', () => {
    const config = resolve({ DATABRICKS_HOST: 'https://adb-1.2.azuredatabricks.net', ...azure });
    expect(config).toMatchObject({ authType: 'azure-client-secret', azureClientId: 'arm-client', azureTenantId: 'tenant-1' });
    expect(credentialsFor(config)).toBeInstanceOf(AzureClientSecretCredentials);
  });

  it('refuses a non-Azure host, a mix with a token (naming both groups), and a missing secret', () => {
    expect(() => resolve({ DATABRICKS_HOST: 'https://dbc-1.cloud.databricks.com', ...azure })).toThrow(/Azure Databricks host.*dbc-1\.cloud\.databricks\.com/);
    const mixed = () => resolve({ DATABRICKS_HOST: 'https://adb-1.2.azuredatabricks.net', DATABRICKS_TOKEN: 'dapi-secret-xyz', ...azure });
    expect(mixed).toThrow(/more than one Databricks authorization method configured: azure and pat/i);
    expect(mixed).not.toThrow(/dapi-secret-xyz|arm-secret/);
    expect(() => resolve({ DATABRICKS_HOST: 'https://adb-1.2.azuredatabricks.net', DATABRICKS_AUTH_TYPE: 'azure-client-secret', ARM_CLIENT_ID: 'arm-client' })).toThrow(/ARM_CLIENT_SECRET/);
  });
});
