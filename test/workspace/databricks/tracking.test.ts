import { describe, expect, it } from 'vitest';
import { StorageClient } from '../../../src/workspace/databricks/cloud-storage.js';
import { PatCredentials, type CredentialsProvider } from '../../../src/workspace/databricks/credentials.js';
import { DatabricksClient } from '../../../src/workspace/databricks/http-client.js';
import { Identity } from '../../../src/workspace/databricks/identity.js';
import { DatabricksTrackingStore } from '../../../src/workspace/databricks/tracking.js';
import { useFakeDatabricks } from '../../fakes/databricks/helpers.js';
import type { FakeDatabricks } from '../../fakes/databricks/server.js';

function tracking(fake: FakeDatabricks, azureBlockSize?: number): DatabricksTrackingStore {
  const client = new DatabricksClient({ host: fake.url, credentials: new PatCredentials(fake.token) });
  return new DatabricksTrackingStore({ client, storage: new StorageClient(), identity: new Identity(client), uri: 'databricks', ...(azureBlockSize ? { azureBlockSize } : {}) });
}

describe('DatabricksTrackingStore', () => {
  const startFake = useFakeDatabricks();

  it('puts relative experiment names under /Users/<me>/, creating the folder first', async () => {
    const fake = await startFake();
    const store = tracking(fake);
    const id = await store.createExperiment('hp_mlops/iris');
    const experiment = await store.getExperiment(id);
    expect(experiment.name).toBe(`/Users/${fake.userName}/hp_mlops/iris`);
    expect(experiment.artifactLocation).toBe(`dbfs:/databricks/mlflow-tracking/${id}`);
    expect((await store.getExperimentByName('hp_mlops/iris'))?.experimentId).toBe(id);
    expect((await store.getExperimentByName('~/hp_mlops/iris'))?.experimentId).toBe(id);

    const mkdirs = fake.requests.findIndex((r) => r.path === '/api/2.0/workspace/mkdirs');
    const create = fake.requests.findIndex((r) => r.path === '/api/2.0/mlflow/experiments/create');
    expect(mkdirs).toBeGreaterThanOrEqual(0);
    expect(mkdirs).toBeLessThan(create);
    expect(JSON.parse(new TextDecoder().decode(fake.requests[mkdirs]!.body))).toEqual({ path: `/Users/${fake.userName}/hp_mlops` });
    expect(fake.requests.filter((r) => r.path === '/api/2.0/preview/scim/v2/Me')).toHaveLength(1);
  });

  it('creates absolute experiment paths in new folders (without mkdirs the workspace refuses)', async () => {
    const fake = await startFake();
    const store = tracking(fake);
    const id = await store.createExperiment('/Shared/hp_mlops_e2e/prod/hp_iris_ml');
    expect(fake.mlflow.workspace.get('/Shared/hp_mlops_e2e/prod')).toBe('DIRECTORY');
    expect((await store.getExperiment(id)).name).toBe('/Shared/hp_mlops_e2e/prod/hp_iris_ml');
  });

  it('sends the credentials\' further headers (an Azure service principal\'s management token) on every MLflow call, produced per request', async () => {
    const fake = await startFake();
    let issued = 0;
    const credentials: CredentialsProvider = {
      authType: 'azure-client-secret',
      authorization: async () => `Bearer ${fake.token}`,
      extraHeaders: async () => ({ 'X-Databricks-Azure-SP-Management-Token': `management-${++issued}` }),
      secrets: () => [fake.token],
    };
    const client = new DatabricksClient({ host: fake.url, credentials });
    const store = new DatabricksTrackingStore({ client, storage: new StorageClient(), identity: new Identity(client), uri: 'databricks' });
    const before = fake.requests.length;
    await store.createRun({ experimentId: await store.createExperiment('/Shared/sp') });
    const mlflowCalls = fake.requests.slice(before).filter((r) => r.path.startsWith('/api/2.0/mlflow/'));
    expect(mlflowCalls.length).toBeGreaterThanOrEqual(2);
    const sent = mlflowCalls.map((r) => r.headers['x-databricks-azure-sp-management-token']);
    expect(sent.every((value) => typeof value === 'string' && /^management-\d+$/.test(value))).toBe(true);
    expect(new Set(sent).size).toBe(sent.length);
  });

  it('records the workspace user on runs', async () => {
    const fake = await startFake();
    const store = tracking(fake);
    const run = await store.createRun({ experimentId: await store.createExperiment('/Shared/e') });
    expect((await store.getRun(run.runId)).data.tags['mlflow.user']).toBe(fake.userName);
  });

  it.each([
    ['AZURE_SAS_URI', '/_azure/'],
    ['AZURE_ADLS_GEN2_SAS_URI', '/_azure/'],
    ['AWS_PRESIGNED_URL', '/_s3/'],
  ] as const)('uploads and downloads artifacts through %s credentials without the workspace token', async (type, prefix) => {
    const fake = await startFake();
    fake.mlflow.artifactCredentialType = type;
    const store = tracking(fake, 10);
    const run = await store.createRun({ experimentId: await store.createExperiment('/Shared/e') });
    const data = new Uint8Array(35).map((_, i) => i);
    await store.logArtifact(run.runId, 'model/weights.bin', data);
    expect([...(await store.downloadArtifact(run.runId, 'model/weights.bin'))]).toEqual([...data]);

    const cloud = fake.cloudRequests();
    expect(cloud.length).toBeGreaterThan(0);
    expect(cloud.every((r) => r.path.startsWith(prefix) && r.headers.authorization === undefined)).toBe(true);
    const write = fake.requests.find((r) => r.path === '/api/2.0/mlflow/artifacts/credentials-for-write')!;
    expect(JSON.parse(new TextDecoder().decode(write.body))).toEqual({ run_id: run.runId, path: ['model/weights.bin'] });
    if (type === 'AZURE_SAS_URI') {
      // 35 bytes in 10-byte blocks: four Put Block calls, then one Put Block List.
      expect(cloud.filter((r) => r.query.get('comp') === 'block')).toHaveLength(4);
      expect(cloud.filter((r) => r.query.get('comp') === 'blocklist')).toHaveLength(1);
      expect(cloud.find((r) => r.query.get('comp') === 'block')!.headers['x-ms-encryption-algorithm']).toBe('AES256');
    }
    if (type === 'AZURE_ADLS_GEN2_SAS_URI') {
      expect(cloud.filter((r) => r.method === 'PATCH').map((r) => r.query.get('action'))).toEqual(['append', 'flush']);
    }
  });

  it('asks for a new write credential when the signed URL has expired', async () => {
    const fake = await startFake();
    fake.mlflow.artifactCredentialType = 'AWS_PRESIGNED_URL';
    const store = tracking(fake);
    const run = await store.createRun({ experimentId: await store.createExperiment('/Shared/e') });
    fake.cloud.expireNext(1);
    await store.logArtifact(run.runId, 'a.txt', 'fresh');
    expect(fake.requests.filter((r) => r.path === '/api/2.0/mlflow/artifacts/credentials-for-write')).toHaveLength(2);
    expect(new TextDecoder().decode(await store.downloadArtifact(run.runId, 'a.txt'))).toBe('fresh');
  });

  it('lists artifacts with artifacts/list and reports missing ones as NOT_FOUND', async () => {
    const fake = await startFake();
    const store = tracking(fake);
    const run = await store.createRun({ experimentId: await store.createExperiment('/Shared/e') });
    await store.logArtifact(run.runId, 'eval/set.parquet', 'p');
    expect(await store.listArtifacts(run.runId)).toEqual([{ path: 'eval', isDir: true, fileSize: undefined }]);
    expect(await store.listArtifacts(run.runId, 'eval')).toEqual([{ path: 'eval/set.parquet', isDir: false, fileSize: 1 }]);
    await expect(store.downloadArtifact(run.runId, 'eval/none')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(fake.requests.some((r) => r.path === '/api/2.0/mlflow/artifacts/list' && r.query.get('path') === 'eval')).toBe(true);
  });
});
