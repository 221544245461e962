import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTrackingServer, type RunningTrackingServer } from '../../../src/tracking/server/server.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
let server: RunningTrackingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the artifact proxy', () => {
  it('stores uploads under the artifacts destination, lists folders, serves and deletes files', async () => {
    const dir = await tempDir();
    server = await startTrackingServer({ root: join(dir, 'mlruns'), artifactsDestination: join(dir, 'store') });
    const base = `${server.url}/api/2.0/mlflow-artifacts/artifacts`;
    expect((await fetch(`${base}/7/run/artifacts/model/weights.bin`, { method: 'PUT', body: new Uint8Array([0, 255, 7]) })).status).toBe(200);
    expect((await fetch(`${base}/7/run/artifacts/notes%20with%20space.txt`, { method: 'PUT', body: 'hi' })).status).toBe(200);
    expect(Array.from(await readFile(join(dir, 'store', '7', 'run', 'artifacts', 'model', 'weights.bin')))).toEqual([0, 255, 7]);
    expect(await (await fetch(`${base}?path=7/run/artifacts`)).json()).toEqual({
      files: [
        { path: 'model', is_dir: true },
        { path: 'notes with space.txt', is_dir: false, file_size: 2 },
      ],
    });
    expect(await (await fetch(`${base}?path=7/none`)).json()).toEqual({});
    const download = await fetch(`${base}/7/run/artifacts/notes%20with%20space.txt`);
    expect([download.headers.get('content-type'), await download.text()]).toEqual(['text/plain', 'hi']);
    expect((await fetch(`${base}/7/run/artifacts/model`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${base}/7/run/artifacts/model/weights.bin`)).status).toBe(404);
  });

  it("refuses paths that climb out of the destination with MLflow's 400 Invalid path", async () => {
    const dir = await tempDir();
    server = await startTrackingServer({ root: join(dir, 'mlruns') });
    const base = `${server.url}/api/2.0/mlflow-artifacts/artifacts`;
    for (const attempt of [`${base}?path=..%2Fetc`, `${base}/a/..%2F..%2Fsecret`, `${base}?path=%2Fetc`]) {
      const response = await fetch(attempt);
      expect([response.status, await response.json()], attempt).toEqual([400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' }]);
    }
    expect((await fetch(`${base}/x/..%2F..%2Fescape`, { method: 'PUT', body: 'x' })).status).toBe(400);
  });
});
