import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseForward } from '../../src/model/forward.js';
import { ModelSource } from '../../src/serve/model-source.js';
import { scoreRequest, type ScoringModel } from '../../src/serve/score-request.js';
import type { ScoringError } from '../../src/serve/scoring-error.js';
import { IRIS_FEATURES, writeServedModelDir } from '../helpers/served-model-dir.js';

let model: ScoringModel;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-score-request-'));
  const served = await new ModelSource(await writeServedModelDir(dir), undefined).load();
  model = { forward: new DenseForward(served.classifier.describe()), inputs: served.classifier.inputs };
  served.classifier.dispose();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const bytes = (text: string) => new TextEncoder().encode(text);
const json = (rows: number[][]) => bytes(JSON.stringify({ dataframe_split: { columns: IRIS_FEATURES, data: rows } }));

function refusal(run: () => unknown): ScoringError {
  try {
    run();
  } catch (error) {
    return error as ScoringError;
  }
  throw new Error('expected a ScoringError');
}

describe('scoreRequest', () => {
  it('answers predictions with a label and finite probabilities for every row', () => {
    const answer = JSON.parse(scoreRequest(json([[5.1, 3.5, 1.4, 0.2], [6.7, 3, 5.2, 2.3]]), 'application/json', model, { maxRows: 10 })) as { predictions: Record<string, unknown>[] };
    expect(answer.predictions).toHaveLength(2);
    for (const row of answer.predictions) {
      expect(typeof row['prediction']).toBe('string');
      for (const label of model.forward.labels) expect(Number.isFinite(row[`probability_${label}`])).toBe(true);
    }
  });

  it('refuses features of 1e308 (they overflow to Infinity) with 400 naming the rows, never a label without probabilities', () => {
    const error = refusal(() => scoreRequest(json([[5.1, 3.5, 1.4, 0.2], [1e308, 1, 1, 1], [5, 3, 1, 0.2], [1, 1, -1e308, 1]]), 'application/json', model, { maxRows: 10 }));
    expect(error.status).toBe(400);
    expect(error.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(error.message).toContain('not finite for 2 row(s): 1, 3.');
    const csv = refusal(() => scoreRequest(bytes(`${IRIS_FEATURES.join(',')}\n1e308,1,1,1\n`), 'text/csv', model, { maxRows: 10 }));
    expect(csv.message).toContain('row(s): 0.');
  });

  it('refuses more rows than maxRows with 413 REQUEST_LIMIT_EXCEEDED, JSON and CSV alike', () => {
    const rows = Array.from({ length: 11 }, () => [5.1, 3.5, 1.4, 0.2]);
    const fromJson = refusal(() => scoreRequest(json(rows), 'application/json', model, { maxRows: 10 }));
    expect(fromJson.status).toBe(413);
    expect(fromJson.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(fromJson.message).toBe('The request has 11 rows; the limit is 10 rows per request (mlops serve --max-rows); split it into smaller requests');
    const csv = `${IRIS_FEATURES.join(',')}\n${rows.map((row) => row.join(',')).join('\n')}\n`;
    const fromCsv = refusal(() => scoreRequest(bytes(csv), 'text/csv', model, { maxRows: 10 }));
    expect(fromCsv.status).toBe(413);
    expect(fromCsv.message).toContain('more than 10 rows');
    expect(JSON.parse(scoreRequest(bytes(csv), 'text/csv', model, { maxRows: 11 })).predictions).toHaveLength(11);
  });
});
