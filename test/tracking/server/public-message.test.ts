import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { hideServerPaths } from '../../../src/tracking/server/public-message.js';
import { startTrackingServer, type RunningTrackingServer } from '../../../src/tracking/server/server.js';
import { callMlflowApi } from '../../helpers/mlflow-api.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
let server: RunningTrackingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('hideServerPaths', () => {
  it('replaces server folders, as paths and as file URIs, by their labels, the more specific first', () => {
    const paths = [
      { path: '/srv/data/mlruns/', label: '<tracking store>' },
      { path: '/srv/data/mlruns/artifacts', label: '<artifacts destination>' },
    ];
    expect(hideServerPaths("Run 'x' not found in any experiment under /srv/data/mlruns", paths)).toBe("Run 'x' not found in any experiment under <tracking store>");
    expect(hideServerPaths('no file /srv/data/mlruns/artifacts/0/a.txt', paths)).toBe('no file <artifacts destination>/0/a.txt');
    expect(hideServerPaths(`at ${pathToFileURL('/srv/data/mlruns/0').href}`, paths)).toBe('at <tracking store>/0');
    expect(hideServerPaths('nothing to hide', paths)).toBe('nothing to hide');
  });
});

describe('tracking server errors never contain absolute server paths', () => {
  it('answers 404s (experiment, run, model, version, alias, tag, artifact) without the store or artifacts folder', async () => {
    const dir = await tempDir();
    const root = join(dir, 'mlruns');
    server = await startTrackingServer({ root });
    const call = (method: string, path: string, body?: unknown) => callMlflowApi(server!.url, method, path, body);
    const { json: experiment } = await call('POST', 'experiments/create', { name: 'e' });
    const { json: created } = await call('POST', 'runs/create', { experiment_id: experiment['experiment_id'] });
    const runId = (created['run'] as { info: { run_id: string } }).info.run_id;
    await call('POST', 'registered-models/create', { name: 'm' });
    const answers = [
      await call('GET', 'experiments/get?experiment_id=999'),
      await call('GET', `runs/get?run_id=${'0'.repeat(32)}`),
      await call('GET', 'registered-models/get?name=nobody'),
      await call('GET', 'model-versions/get?name=m&version=7'),
      await call('POST', 'runs/delete-tag', { run_id: runId, key: 'absent' }),
      await call('GET', 'artifacts/list?run_id=' + '0'.repeat(32)),
    ];
    const proxied = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/0/none.txt`);
    answers.push({ status: proxied.status, json: (await proxied.json()) as Record<string, unknown> });
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      const text = JSON.stringify(answer.json);
      expect(text).not.toContain(dir);
      expect(text).not.toContain(pathToFileURL(dir).href);
    }
    expect(answers[4]!.json['message']).toContain('<tracking store>/');
  });
});
