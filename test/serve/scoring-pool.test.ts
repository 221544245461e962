import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelSource } from '../../src/serve/model-source.js';
import { startScoringServer, type ScoringServer } from '../../src/serve/server.js';
import { IRIS_FEATURES, writeServedModelDir } from '../helpers/served-model-dir.js';

let dir: string;
let server: ScoringServer;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-serve-pool-'));
  server = await startScoringServer({ source: new ModelSource(await writeServedModelDir(dir), undefined), port: 0, maxRows: 5, scoringWorkers: 2 });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function invoke(data: number[][]) {
  const response = await fetch(`${server.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dataframe_split: { columns: IRIS_FEATURES, data } }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('scoring on worker threads, through HTTP', () => {
  it('answers features of 1e308 with 400 INVALID_PARAMETER_VALUE naming the rows, never 200 with null probabilities', async () => {
    const answer = await invoke([[5.1, 3.5, 1.4, 0.2], [1e308, 3, 4, 1]]);
    expect(answer.status).toBe(400);
    expect(answer.json['error_code']).toBe('INVALID_PARAMETER_VALUE');
    expect(answer.json['message']).toContain('not finite for 1 row(s): 1.');
  });

  it('answers more rows than maxRows with 413 REQUEST_LIMIT_EXCEEDED, and scores concurrent requests on two workers', async () => {
    const tooMany = await invoke(Array.from({ length: 6 }, () => [5.1, 3.5, 1.4, 0.2]));
    expect(tooMany).toEqual({
      status: 413,
      json: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'The request has 6 rows; the limit is 5 rows per request (mlops serve --max-rows); split it into smaller requests' },
    });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => invoke([[4 + i * 0.3, 3, 1 + i * 0.5, 0.2 + i * 0.2]])));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const [row] = answer.json['predictions'] as Record<string, unknown>[];
      expect(typeof row!['prediction']).toBe('string');
      expect(Number.isFinite(row!['probability_setosa'])).toBe(true);
    }
  });
});
