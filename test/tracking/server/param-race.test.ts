import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileTrackingStore } from '../../../src/tracking/file-store/tracking-file-store.js';
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

async function newRun(): Promise<string> {
  const { json: experiment } = await call('POST', 'experiments/create', { name: 'race' });
  const { json: created } = await call('POST', 'runs/create', { experiment_id: experiment['experiment_id'] });
  return (created['run'] as { info: { run_id: string } }).info.run_id;
}

describe('param writes are atomic: one value per key, whatever the concurrency', () => {
  it('of 20 concurrent log-parameter calls with one key and different values, exactly one succeeds; the others get INVALID_PARAMETER_VALUE', async () => {
    server = await startTrackingServer({ root: join(await tempDir(), 'mlruns') });
    const runId = await newRun();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => call('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: String(i) })));
    const ok = answers.filter((answer) => answer.status === 200);
    expect(ok).toHaveLength(1);
    const refused = answers.filter((answer) => answer.status !== 200);
    expect(refused).toHaveLength(19);
    for (const answer of refused) {
      expect(answer.status).toBe(400);
      expect(answer.json['error_code']).toBe('INVALID_PARAMETER_VALUE');
      expect(answer.json['message']).toMatch(/^Changing param values is not allowed\. Param with key='lr' was already logged with value='\d+'/);
    }
    const winner = answers.findIndex((answer) => answer.status === 200);
    const run = (await call('GET', `runs/get?run_id=${runId}`)).json['run'] as { data: { params: unknown[] } };
    expect(run.data.params).toEqual([{ key: 'lr', value: String(winner) }]);
    // Logging the stored value again is allowed, as in MLflow.
    expect((await call('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: String(winner) })).status).toBe(200);
  });

  it('the same for 20 concurrent log-batch calls: one batch lands whole, the others change nothing', async () => {
    server = await startTrackingServer({ root: join(await tempDir(), 'mlruns') });
    const runId = await newRun();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call('POST', 'runs/log-batch', { run_id: runId, params: [{ key: `only-${i}`, value: 'x' }, { key: 'shared', value: String(i) }] })),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 400 && answer.json['error_code'] === 'INVALID_PARAMETER_VALUE')).toHaveLength(19);
    const winner = answers.findIndex((answer) => answer.status === 200);
    const run = (await call('GET', `runs/get?run_id=${runId}`)).json['run'] as { data: { params: Array<{ key: string; value: string }> } };
    expect(run.data.params.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: `only-${winner}`, value: 'x' },
      { key: 'shared', value: String(winner) },
    ]);
  });

  it('two stores over one folder (two processes) racing on one key: exactly one value wins', async () => {
    const root = join(await tempDir(), 'mlruns');
    const first = new FileTrackingStore({ root });
    const second = new FileTrackingStore({ root });
    const experimentId = await first.createExperiment('race');
    const run = await first.createRun({ experimentId });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first : second).logBatch(run.runId, { params: { key: String(i) } })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const stored = await second.getRun(run.runId);
    expect(Object.keys(stored.data.params)).toEqual(['key']);
  });
});
