import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classificationMetrics } from '../../../src/stages/evaluate/metrics.js';
import { evaluationSql, metricsFromEvaluationRows } from '../../../src/stages/evaluate/on-spark.js';

/**
 * The evaluation SQL that runs in Spark, checked Node-only by running it in DuckDB (the SQL is
 * portable: GROUP BY, LN, LEAST/GREATEST, RANK() and COUNT(*) windows) against the local metrics
 * on the same probabilities — ties, a confident miss (clipped log loss) and a class never
 * predicted included. The same SQL against the real Spark is in test/interop/spark/pipeline-on-spark.
 */

const LABELS = ['a', 'b', 'c'];
let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  connection = await instance.connect();
});
afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
});

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

/** Seeded rows of probabilities (float32, as the local scorer makes them), rounded to create ties. */
function dataset(count: number, seed: number): { truth: Int32Array; proba: Float32Array } {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const truth = Int32Array.from({ length: count }, () => Math.floor(random() * 3));
  const proba = new Float32Array(count * 3);
  for (let r = 0; r < count; r++) {
    const raw = [random(), random(), random()].map((x, k) => Math.round((x + (k === truth[r] ? 0.6 : 0)) * 8) / 8 + 0.01);
    const sum = raw.reduce((a, b) => a + b, 0);
    raw.forEach((x, k) => (proba[r * 3 + k] = x / sum));
  }
  // A confident miss: log loss is clipped, not infinite.
  proba.set([0, 1, 0], 0);
  truth[0] = 0;
  return { truth, proba };
}

describe('evaluationSql (the metrics Spark computes)', () => {
  it('equals the local metrics and confusion matrix on the same probabilities', async () => {
    const { truth, proba } = dataset(97, 7);
    const argmax = (r: number) => [0, 1, 2].reduce((best, k) => (proba[r * 3 + k]! > proba[r * 3 + best]! ? k : best), 0);
    const values = Array.from(truth, (t, r) => `('${LABELS[t]}', '${LABELS[argmax(r)]}', ${proba[r * 3]}, ${proba[r * 3 + 1]}, ${proba[r * 3 + 2]})`).join(', ');
    await connection.run(`CREATE OR REPLACE TABLE scored AS SELECT * FROM (VALUES ${values}) AS t(__truth, __prediction, __p0, __p1, __p2)`);
    const sql = evaluationSql('scored', LABELS);
    const onSql = metricsFromEvaluationRows({ confusion: await rows(sql.confusion), loss: (await rows(sql.logLoss))[0], auc: await rows(sql.auc) }, LABELS, 'label', 'test');
    const local = classificationMetrics(truth, proba, 3, LABELS);
    expect(onSql.confusion_matrix).toEqual(local.confusion_matrix);
    expect(onSql.per_class.map((c) => c.support)).toEqual(local.per_class.map((c) => c.support));
    for (const key of ['accuracy', 'f1_macro', 'f1_weighted', 'precision_macro', 'recall_weighted', 'log_loss', 'roc_auc', 'roc_auc_weighted'] as const) {
      expect(onSql[key], key).toBeCloseTo(local[key], 9);
    }
    expect(onSql.per_class.map((c) => c.roc_auc)).toEqual(local.per_class.map((c) => c.roc_auc).map((v) => (v === null ? null : expect.closeTo(v, 9))));
  });

  it('refuses a label the model does not predict, and unscored rows, naming them', () => {
    expect(() => metricsFromEvaluationRows({ confusion: [{ truth: 'z', prediction: 'a', n: 2n }], loss: { n: 2n, log_loss_sum: 1 }, auc: [] }, LABELS, 'species', 'eval set')).toThrow(
      /eval set: 2 rows have label "z" in "species", which the model does not predict \(a, b, c\)/,
    );
    expect(() => metricsFromEvaluationRows({ confusion: [{ truth: 'a', prediction: null, n: 1 }], loss: { n: 1, log_loss_sum: 1 }, auc: [] }, LABELS, 'species', 'eval set')).toThrow(/1 rows could not be scored/);
  });
});
