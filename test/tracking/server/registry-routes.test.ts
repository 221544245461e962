import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTrackingServer, type RunningTrackingServer } from '../../../src/tracking/server/server.js';
import { callMlflowApi } from '../../helpers/mlflow-api.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
let server: RunningTrackingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const call = (method: string, path: string, body?: unknown) => callMlflowApi(server!.url, method, path, body);

describe('registry routes', () => {
  it('serves latest versions, download URIs, version tag deletion and the legacy stage names', async () => {
    server = await startTrackingServer({ root: join(await tempDir(), 'mlruns') });
    await call('POST', 'registered-models/create', { name: 'm' });
    for (const run of ['r1', 'r2']) await call('POST', 'model-versions/create', { name: 'm', source: `runs:/${run}/model`, run_id: run, tags: [{ key: 'k', value: run }] });
    const latest = await call('POST', 'registered-models/get-latest-versions', { name: 'm', stages: ['None'] });
    expect((latest.json['model_versions'] as Array<{ version: string }>).map((v) => v.version)).toEqual(['2']);
    expect(await call('GET', 'registered-models/get-latest-versions?name=m&stages=Production')).toEqual({ status: 200, json: {} });
    expect((await call('GET', 'registered-models/get-latest-versions?name=m&stages=Bogus')).json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Invalid Model Version stage: Bogus. Value must be one of None, Staging, Production, Archived.',
    });
    expect((await call('GET', 'model-versions/get-download-uri?name=m&version=1')).json).toEqual({ artifact_uri: 'runs:/r1/model' });
    expect((await call('DELETE', 'model-versions/delete-tag', { name: 'm', version: '1', key: 'k' })).status).toBe(200);
    expect((await call('GET', 'model-versions/get?name=m&version=1')).json['model_version']).not.toHaveProperty('tags');
  });

  it("tells an unknown model (404) from an unset alias (400, MLflow 2.12's answer)", async () => {
    server = await startTrackingServer({ root: join(await tempDir(), 'mlruns') });
    await call('POST', 'registered-models/create', { name: 'm' });
    expect(await call('GET', 'registered-models/alias?name=m&alias=champion')).toEqual({
      status: 400,
      json: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Registered model alias champion not found.' },
    });
    const unknown = await call('GET', 'registered-models/alias?name=nobody&alias=champion');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining("'nobody'") });
  });
});
