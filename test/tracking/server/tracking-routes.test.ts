import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkBatchLimits } from '../../../src/tracking/server/tracking-routes.js';
import { startTrackingServer, type RunningTrackingServer } from '../../../src/tracking/server/server.js';
import { callMlflowApi } from '../../helpers/mlflow-api.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
let server: RunningTrackingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const call = (method: string, path: string, body?: unknown) => callMlflowApi(server!.url, method, path, body, 'application/json; charset=utf-8');

describe('tracking routes', () => {
  it('log-metric, log-parameter and set-tag land in the run; get-history returns them in order', async () => {
    server = await startTrackingServer({ root: join(await tempDir(), 'mlruns') });
    const { json: experiment } = await call('POST', 'experiments/create', { name: 'routes', tags: [{ key: 'k', value: 'v' }] });
    const { json: created } = await call('POST', 'runs/create', { experiment_id: experiment['experiment_id'], run_name: 'r', start_time: 5, user_id: 'u' });
    const runId = (created['run'] as { info: { run_id: string } }).info.run_id;
    for (const [step, value] of [[0, 0.5], [1, 'Infinity']] as const) {
      expect((await call('POST', 'runs/log-metric', { run_uuid: runId, key: 'm', value, timestamp: 10 + step, step })).status).toBe(200);
    }
    await call('POST', 'runs/log-parameter', { run_id: runId, key: 'p', value: '1' });
    await call('POST', 'runs/set-tag', { run_id: runId, key: 't', value: 'x' });
    const history = await call('GET', `metrics/get-history?run_uuid=${runId}&metric_key=m`);
    expect(history.json).toEqual({ metrics: [{ key: 'm', value: 0.5, timestamp: 10, step: 0 }, { key: 'm', value: 'Infinity', timestamp: 11, step: 1 }] });
    const run = (await call('GET', `runs/get?run_id=${runId}`)).json['run'] as { info: Record<string, unknown>; data: Record<string, unknown> };
    expect(run.info).toMatchObject({ run_name: 'r', user_id: 'u', start_time: 5, status: 'RUNNING' });
    expect(run.data['params']).toEqual([{ key: 'p', value: '1' }]);
    const searched = await call('GET', `experiments/search?filter=${encodeURIComponent("tags.k = 'v'")}&max_results=5`);
    expect((searched.json['experiments'] as Array<{ name: string }>).map((e) => e.name)).toEqual(['routes']);
  });

  it('answers bad requests with MLflow error JSON: missing and invalid fields, bad status, unknown run', async () => {
    server = await startTrackingServer({ root: join(await tempDir(), 'mlruns') });
    expect(await call('POST', 'runs/create', {})).toEqual({
      status: 400,
      json: { error_code: 'INVALID_PARAMETER_VALUE', message: "Missing value for required parameter 'experiment_id'. See the API docs for more information about request parameters." },
    });
    expect((await call('POST', 'runs/update', { run_id: 'abc', status: 'DONE' })).json['error_code']).toBe('INVALID_PARAMETER_VALUE');
    const unknown = await call('GET', 'runs/get?run_id=0123456789abcdef0123456789abcdef');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining('0123456789abcdef0123456789abcdef') });
    expect((await call('POST', 'runs/log-model', { run_id: 'abc', model_json: 'not json' })).json['message']).toMatch(/Invalid value not json for parameter 'model_json'/);
  });

  it("answers a corrupt meta.yaml with MLflow's error JSON naming the file, and keeps serving the rest", async () => {
    const { writeFile } = await import('node:fs/promises');
    const root = join(await tempDir(), 'mlruns');
    server = await startTrackingServer({ root });
    const { json: experiment } = await call('POST', 'experiments/create', { name: 'corrupt' });
    const experimentId = experiment['experiment_id'] as string;
    const runIds: string[] = [];
    for (const name of ['good', 'bad']) runIds.push(((await call('POST', 'runs/create', { experiment_id: experimentId, run_name: name })).json['run'] as { info: { run_id: string } }).info.run_id);
    const file = join(root, experimentId, runIds[1]!, 'meta.yaml');
    await writeFile(file, 'status: [3\n');
    const broken = await call('GET', `runs/get?run_id=${runIds[1]}`);
    expect(broken.status).toBe(500);
    // The file is named relative to the store: the server's own folders never reach a client.
    expect(broken.json).toEqual({ error_code: 'DATA_LOSS', message: expect.stringContaining(`<tracking store>/${experimentId}/${runIds[1]}/meta.yaml`) });
    expect(JSON.stringify(broken.json)).not.toContain(root);
    const search = await call('POST', 'runs/search', { experiment_ids: [experimentId] });
    expect((search.json['runs'] as Array<{ info: { run_name: string } }>).map((run) => run.info.run_name)).toEqual(['good']);
  });

  it("checks MLflow's per-request log-batch limits", () => {
    expect(() => checkBatchLimits(1000, 0, 0)).not.toThrow();
    expect(() => checkBatchLimits(0, 101, 0)).toThrow('A batch logging request can contain at most 100 params. Got 101 params.');
    expect(() => checkBatchLimits(0, 0, 101)).toThrow(/at most 100 tags/);
    expect(() => checkBatchLimits(900, 100, 1)).toThrow(/at most 1000 total metrics, params, and tags. Got 1001/);
  });
});
