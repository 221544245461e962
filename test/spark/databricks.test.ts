import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveDatabricksConnect } from '../../src/spark/databricks.js';
import { SparkSession } from '../../src/spark/session.js';
import { useFakeDatabricks } from '../fakes/databricks/helpers.js';
import { FakeSparkConnect } from '../fakes/spark/server.js';
import { scriptedResults } from '../fakes/spark/results.js';

const fakes: FakeSparkConnect[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function fakeSpark(): Promise<FakeSparkConnect> {
  const fake = await FakeSparkConnect.start(scriptedResults({ batches: 1, rowsPerBatch: 2 }));
  fakes.push(fake);
  return fake;
}

/** The fake gRPC server's port as a workspace host (http:// stands in for https:// on 127.0.0.1). */
const hostOf = (fake: FakeSparkConnect): string => `http://${fake.url.slice('sc://'.length)}`;

describe('Databricks Connect (in-process server; no Databricks workspace is reachable from here)', () => {
  const startDatabricks = useFakeDatabricks();

  it('builds sc://<workspace>:443 with the cluster header and TLS for a real workspace host', async () => {
    const target = await resolveDatabricksConnect({ env: { DATABRICKS_HOST: 'adb-1.2.azuredatabricks.net', DATABRICKS_TOKEN: 'dapi-x', DATABRICKS_CLUSTER_ID: '0123-456789-abc' }, homeDir: '/nonexistent' });
    expect(target.url).toBe('sc://adb-1.2.azuredatabricks.net:443/;use_ssl=true;x-databricks-cluster-id=0123-456789-abc');
    expect(target.url).not.toContain('dapi-x');
    expect(target.compute).toEqual({ kind: 'cluster', clusterId: '0123-456789-abc' });
    expect(await target.credentials.authorization()).toBe('Bearer dapi-x');
  });

  it('reads cluster_id / serverless_compute_id from the profile and says what is missing', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'dbc-'));
    await writeFile(path.join(home, '.databrickscfg'), '[DEFAULT]\nhost = https://ws.example.com\ntoken = dapi-p\ncluster_id = 1111-profile\n\n[sls]\nhost = https://ws.example.com\ntoken = dapi-p\nserverless_compute_id = auto\n\n[none]\nhost = https://ws.example.com\ntoken = dapi-p\n');
    const cluster = await resolveDatabricksConnect({ env: {}, homeDir: home });
    expect(cluster.compute).toEqual({ kind: 'cluster', clusterId: '1111-profile' });
    const serverless = await resolveDatabricksConnect({ env: {}, homeDir: home, profile: 'sls' });
    expect(serverless.compute.kind).toBe('serverless');
    expect(serverless.url).toMatch(/;session_id=([0-9a-f-]{36});x-databricks-session-id=\1$/);
    await expect(resolveDatabricksConnect({ env: {}, homeDir: home, profile: 'none' })).rejects.toThrow(/DATABRICKS_CLUSTER_ID.*DATABRICKS_SERVERLESS_COMPUTE_ID=auto/);
  });

  it('sends the PAT and the cluster id on every call', async () => {
    const spark = await fakeSpark();
    const session = await SparkSession.builder()
      .databricks({ host: hostOf(spark), token: 'dapi-secret', clusterId: '0123-cluster' })
      .create({ env: {} });
    expect((await session.range(2).collect()).map((row) => row.id)).toEqual([0n, 1n]);
    await session.stop();
    expect(spark.calls.length).toBeGreaterThanOrEqual(3);
    for (const call of spark.calls) {
      expect(call.headers.authorization).toBe('Bearer dapi-secret');
      expect(call.headers['x-databricks-cluster-id']).toBe('0123-cluster');
    }
  });

  it('serverless: the session id is the x-databricks-session-id header and the request session', async () => {
    const spark = await fakeSpark();
    const session = await SparkSession.builder().databricks({ host: hostOf(spark), token: 't', serverless: true }).create({ env: {} });
    await session.range(1).count();
    await session.stop();
    for (const call of spark.calls) {
      expect(call.headers['x-databricks-session-id']).toBe(session.sessionId);
      expect((call.request as { sessionId: string }).sessionId).toBe(session.sessionId);
    }
  });

  it('azure-client-secret: the Entra ID token as authorization and the management token header, lowercase, on every call (results stream included)', async () => {
    // Entra ID's token endpoint (login.microsoftonline.com for an azuredatabricks.net host) answered
    // here: one token per resource, as databricks-sdk's azure_service_principal asks for them.
    const resources: string[] = [];
    const entra: typeof fetch = async (url, init) => {
      expect(String(url)).toBe('https://login.microsoftonline.com/tenant-1/oauth2/token');
      const resource = new URLSearchParams(String(init?.body)).get('resource')!;
      resources.push(resource);
      return new Response(JSON.stringify({ token_type: 'Bearer', expires_in: '3599', access_token: `aad-${resource}` }), { headers: { 'Content-Type': 'application/json' } });
    };
    const target = await resolveDatabricksConnect({
      env: { DATABRICKS_HOST: 'adb-1.2.azuredatabricks.net', ARM_CLIENT_ID: 'sp-app', ARM_CLIENT_SECRET: 'sp-secret', ARM_TENANT_ID: 'tenant-1', DATABRICKS_CLUSTER_ID: 'c-az' },
      homeDir: '/nonexistent',
      fetch: entra,
    });
    expect(target.url).toBe('sc://adb-1.2.azuredatabricks.net:443/;use_ssl=true;x-databricks-cluster-id=c-az');
    // The workspace host cannot be reached from here: the same credentials against the in-process server.
    const spark = await FakeSparkConnect.start(scriptedResults({ batches: 3, rowsPerBatch: 2 }));
    fakes.push(spark);
    const session = await SparkSession.builder().remote(spark.url).credentials(target.credentials).create({ env: {} });
    expect(await session.range(6).toArrow()).toHaveProperty('numRows', 6);
    await session.stop();
    expect(spark.calls.map((call) => call.method)).toContain('executePlan');
    for (const call of spark.calls) {
      expect(call.headers.authorization).toBe('Bearer aad-2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
      expect(call.headers['x-databricks-azure-sp-management-token']).toBe('aad-https://management.core.windows.net/');
    }
    // Each token was asked for once and then reused from its cache.
    expect(resources.sort()).toEqual(['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d', 'https://management.core.windows.net/']);
    expect(target.credentials.secrets()).toContain('sp-secret');
  });

  it('OAuth M2M: a token from the workspace, refreshed before it expires, so a long job never sends an expired one', async () => {
    const workspace = await startDatabricks({ oauthClient: { clientId: 'sp-id', clientSecret: 'sp-secret' }, oauthTokenLifetime: 61 });
    const spark = await fakeSpark();
    // The gRPC endpoint is the fake Spark server; the token endpoint is the fake workspace's OIDC.
    let now = Date.now();
    const session = await SparkSession.builder()
      .databricks({
        host: hostOf(spark),
        clientId: 'sp-id',
        clientSecret: 'sp-secret',
        clusterId: 'c-1',
        fetch: (url, init) => fetch(String(url).replace(hostOf(spark), workspace.url), init),
        now: () => now,
      })
      .create({ env: {} });
    const first = spark.calls.at(-1)!.headers.authorization;
    await session.range(1).count();
    expect(spark.calls.at(-1)!.headers.authorization).toBe(first);
    // A minute later the 61 s token is within the refresh margin: the next call gets a new one.
    now += 60_000;
    await session.range(1).count();
    const second = spark.calls.at(-1)!.headers.authorization;
    expect(second).toMatch(/^Bearer oauth-/);
    expect(second).not.toBe(first);
    expect(workspace.oauthTokensIssued).toBe(2);
    await session.stop();
  });
});
