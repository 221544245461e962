import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../src/errors.js';
import { stringifyMLmodel } from '../../../src/model/mlmodel.js';
import { openDatabricksWorkspace, type DatabricksWorkspace } from '../../../src/workspace/databricks/workspace.js';
import { useFakeDatabricks } from '../../fakes/databricks/helpers.js';
import type { FakeDatabricks } from '../../fakes/databricks/server.js';

const NAME = 'hp_az_catalog.hp_iris_ml.irisclassifierdemo';

function mlmodel(signature: 'full' | 'inputs-only' | 'none'): string {
  return stringifyMLmodel({
    artifactPath: 'model',
    flavors: { tfjs: { model_json: 'model.json' } },
    ...(signature === 'none'
      ? {}
      : { signature: { inputs: [{ type: 'double', name: 'sepal_length' }], outputs: signature === 'full' ? [{ type: 'string', name: 'prediction' }] : null, params: null } }),
    extra: {},
  });
}

async function setUp(fake: FakeDatabricks, signature: 'full' | 'inputs-only' | 'none' = 'full'): Promise<{ ws: DatabricksWorkspace; runId: string; source: string }> {
  const ws = await openDatabricksWorkspace(
    { host: fake.url },
    { env: { DATABRICKS_TOKEN: fake.token }, homeDir: fake.files.root, azureBlobEndpoint: (account) => fake.azureBlobEndpoint(account), azureBlockSize: 16 },
  );
  const experimentId = await ws.tracking.createExperiment('/Shared/registry');
  const run = await ws.tracking.createRun({ experimentId });
  await ws.tracking.logArtifact(run.runId, 'model/MLmodel', mlmodel(signature));
  await ws.tracking.logArtifact(run.runId, 'model/weights.bin', new Uint8Array(40).fill(3));
  await ws.tracking.logArtifact(run.runId, 'model/code/loader.py', 'print(1)');
  return { ws, runId: run.runId, source: `${run.artifactUri}/model` };
}

describe('UnityCatalogRegistry', () => {
  const startFake = useFakeDatabricks();

  it('creates a version, copies the model folder with the temporary SAS, then finalizes it', async () => {
    const fake = await startFake();
    const { ws, runId, source } = await setUp(fake);
    await ws.registry.createRegisteredModel(NAME);
    const version = await ws.registry.createModelVersion({ name: NAME, source, runId });
    expect(version).toMatchObject({ version: '1', status: 'READY', source, runId });

    const calls = fake.requests.map((r) => r.path).filter((p) => p.includes('/unity-catalog/model-versions/'));
    expect(calls).toEqual([
      '/api/2.0/mlflow/unity-catalog/model-versions/create',
      '/api/2.0/mlflow/unity-catalog/model-versions/generate-temporary-credentials',
      '/api/2.0/mlflow/unity-catalog/model-versions/finalize',
    ]);
    const credentialRequest = fake.requests.find((r) => r.path.endsWith('/generate-temporary-credentials'))!;
    expect(JSON.parse(new TextDecoder().decode(credentialRequest.body))).toEqual({ name: NAME, version: '1', operation: 'MODEL_VERSION_OPERATION_READ_WRITE' });
    const prefix = 'models/hp_az_catalog/hp_iris_ml/irisclassifierdemo/versions/1';
    expect([...fake.cloud.objects.keys()].filter((k) => k.startsWith(prefix)).sort()).toEqual([`${prefix}/MLmodel`, `${prefix}/code/loader.py`, `${prefix}/weights.bin`]);
    expect(fake.cloud.objects.get(`${prefix}/weights.bin`)?.byteLength).toBe(40);
    const uploads = fake.cloudRequests().filter((r) => r.path.startsWith('/_azure/fakestorage/models/'));
    expect(uploads.length).toBeGreaterThan(3); // 40 bytes in 16-byte blocks needs Put Block + Put Block List
    expect(uploads.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('uploads through presigned URLs when the workspace uses default storage', async () => {
    const fake = await startFake();
    fake.uc.storageMode = 'DEFAULT_STORAGE';
    const { ws, runId, source } = await setUp(fake);
    await ws.registry.createRegisteredModel(NAME);
    expect((await ws.registry.createModelVersion({ name: NAME, source, runId })).status).toBe('READY');
    const urls = fake.requests.filter((r) => r.path === '/api/2.0/fs/create-upload-url').map((r) => (JSON.parse(new TextDecoder().decode(r.body)) as { path: string }).path);
    expect(urls.sort()).toEqual([
      '/Models/hp_az_catalog/hp_iris_ml/irisclassifierdemo/1/MLmodel',
      '/Models/hp_az_catalog/hp_iris_ml/irisclassifierdemo/1/code/loader.py',
      '/Models/hp_az_catalog/hp_iris_ml/irisclassifierdemo/1/weights.bin',
    ]);
  });

  it.each([
    ['none', 'no signature'],
    ['inputs-only', 'a signature with inputs only'],
  ] as const)('refuses a model with %s before creating anything', async (signature, found) => {
    const fake = await startFake();
    const { ws, runId, source } = await setUp(fake, signature);
    await ws.registry.createRegisteredModel(NAME);
    const error = (await ws.registry.createModelVersion({ name: NAME, source, runId }).catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(`must be logged with a signature that has both inputs and outputs; its MLmodel has ${found}`);
    expect(fake.requests.some((r) => r.path.includes('/model-versions/'))).toBe(false);
  });

  it('says which privilege is missing: CREATE MODEL, USE SCHEMA, ownership for aliases', async () => {
    const fake = await startFake();
    const { ws, runId, source } = await setUp(fake);

    fake.uc.denied.add('CREATE_MODEL');
    const create = (await ws.registry.createRegisteredModel(NAME).catch((e: unknown) => e)) as HttpError;
    expect(create).toBeInstanceOf(HttpError);
    expect(create.status).toBe(403);
    expect(create.message).toMatch(new RegExp(`Permission denied: cannot create registered model ${NAME} as ${fake.userName}: Unity Catalog requires CREATE MODEL on schema hp_az_catalog\\.hp_iris_ml`));
    expect(create.details?.hint).toBe(`GRANT CREATE MODEL ON SCHEMA hp_az_catalog.hp_iris_ml TO \`${fake.userName}\``);
    fake.uc.denied.clear();

    await ws.registry.createRegisteredModel(NAME);
    await ws.registry.createModelVersion({ name: NAME, source, runId });
    fake.uc.denied.add('MODEL_OWNER');
    const alias = (await ws.registry.setAlias(NAME, 'champion', '1').catch((e: unknown) => e)) as HttpError;
    expect(alias.message).toMatch(/cannot set alias champion of .* to version 1 .*requires ownership of model hp_az_catalog\.hp_iris_ml\.irisclassifierdemo/);
    expect(alias.details?.hint).toMatch(/ALTER MODEL .* OWNER TO/);
    expect(fake.requests.some((r) => r.method === 'PUT' && r.path === `/api/2.1/unity-catalog/models/${NAME}/aliases/champion`)).toBe(true);
    fake.uc.denied.clear();

    fake.uc.denied.add('USE_SCHEMA');
    const read = (await ws.registry.getRegisteredModel(NAME).catch((e: unknown) => e)) as HttpError;
    expect(read.message).toMatch(/requires USE SCHEMA on hp_az_catalog\.hp_iris_ml \(and USE CATALOG on hp_az_catalog\)/);
    expect(read.details?.hint).toContain('GRANT USE SCHEMA ON SCHEMA hp_az_catalog.hp_iris_ml');
  });

  it('sets, reads and deletes aliases through the UC REST API', async () => {
    const fake = await startFake();
    const { ws, runId, source } = await setUp(fake);
    await ws.registry.createRegisteredModel(NAME);
    await ws.registry.createModelVersion({ name: NAME, source, runId });
    await ws.registry.setAlias(NAME, 'champion', '1');
    const put = fake.requests.find((r) => r.method === 'PUT' && r.path.endsWith('/aliases/champion'))!;
    expect(JSON.parse(new TextDecoder().decode(put.body))).toEqual({ alias: 'champion', full_name: NAME, version_num: 1 });
    expect((await ws.registry.getModelVersionByAlias(NAME, 'champion')).version).toBe('1');
    await ws.registry.deleteAlias(NAME, 'champion');
    expect(fake.requests.some((r) => r.method === 'DELETE' && r.path === `/api/2.1/unity-catalog/models/${NAME}/aliases/champion`)).toBe(true);
    await expect(ws.registry.getModelVersionByAlias(NAME, 'champion')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rejects names that are not three-level without a request', async () => {
    const fake = await startFake();
    const { ws } = await setUp(fake);
    const before = fake.requests.length;
    await expect(ws.registry.createRegisteredModel('irisclassifier')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(fake.requests.length).toBe(before);
  });
});
