import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Classifier } from '../../../src/model/classifier.js';
import { FIRST_PROGRESS_ROWS, PLAIN_FIRST_BATCH_MIN_ROWS, runScore } from '../../../src/stages/score/score.js';
import { readParquetFile } from '../../helpers/read-parquet.js';
import { IRIS_FEATURES, IRIS_LABELS, irisClassifier, irisColumns, registerChampion, SCORING_MODEL, scoringWorkspace, writeInput } from '../../helpers/scoring-model.js';
import { parquetWithRowGroups } from '../../helpers/row-groups.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
let classifier: Classifier;
beforeAll(async () => {
  classifier = await irisClassifier();
});

/** Iris, repeated and jittered so that rows differ: `rows` rows by column. */
function rowsOf(rows: number): Float64Array[] {
  const { columns } = irisColumns();
  return columns.map((column, j) => Float64Array.from({ length: rows }, (_, r) => Math.round((column[r % 150]! + ((r * (j + 3)) % 7) / 20) * 100) / 100));
}

describe('batch scoring, first batch without TensorFlow.js (from the model files)', () => {
  it('scores the first batch without tfjs (Float32Forward) and the rest with it; within 2 float32 ulps of tfjs, the same labels', async () => {
    const dir = await tempDir();
    const { ctx, reporter } = scoringWorkspace(dir);
    await registerChampion(ctx, classifier);
    const rows = 1000;
    const columns = rowsOf(rows);
    const input = join(dir, 'in.parquet');
    // Row groups of 300 rows: the first batch (256 rows) is cut from the first, the worker reads on from row 256.
    await writeFile(input, parquetWithRowGroups(new arrow.Table(Object.fromEntries(IRIS_FEATURES.map((name, j) => [name, arrow.makeVector(columns[j]!)]))), 300));
    const features = new Float32Array(rows * 4);
    columns.forEach((column, j) => column.forEach((value, r) => (features[r * 4 + j] = value)));
    const proba = classifier.predictProba(features, rows);
    const labels = Array.from(classifier.predictLabels(proba, rows), (i) => IRIS_LABELS[i]!);

    // On the calling thread and with the reader thread (whose worker skips the rows decoded here).
    for (const workers of [0, 1]) {
      const summary = await runScore(ctx, { model_name: SCORING_MODEL, input_path: input, output_path: join(dir, `out-${workers}.parquet`), batch_size: '256' }, {}, { workers, plainFirstBatchMinRows: 0 });
      expect(summary.rows).toBe(rows);
      const log = reporter.events.filter((event) => event.type === 'log').at(-1) as { message: string };
      expect(log.message).toContain("the first 256 rows scored from the model's files, without TensorFlow.js, while it loaded");
      const out = await readParquetFile(summary.path);
      let largest = 0;
      out.forEach((row, r) => {
        IRIS_FEATURES.forEach((name, j) => expect(row[name]).toBe(columns[j]![r]));
        expect(row['prediction']).toBe(labels[r]);
        IRIS_LABELS.forEach((label, k) => {
          const value = row[`probability_${label}`] as number;
          if (r >= 256) expect(value).toBe(proba[r * 3 + k]);
          else largest = Math.max(largest, Math.abs(value - proba[r * 3 + k]!));
        });
      });
      expect(largest).toBeLessThanOrEqual(2.4e-7);
    }
  });

  it('reports progress after the first FIRST_PROGRESS_ROWS rows of a larger first batch, then per batch; every row scored once, in order', async () => {
    const dir = await tempDir();
    const { ctx, reporter } = scoringWorkspace(dir);
    await registerChampion(ctx, classifier);
    const rows = FIRST_PROGRESS_ROWS * 2 + 1000;
    const columns = rowsOf(rows);
    const input = join(dir, 'in.parquet');
    await writeInput(input, columns);
    const features = new Float32Array(rows * 4);
    columns.forEach((column, j) => column.forEach((value, r) => (features[r * 4 + j] = value)));
    const labels = Array.from(classifier.predictLabels(classifier.predictProba(features, rows), rows), (i) => IRIS_LABELS[i]!);
    const batchSize = FIRST_PROGRESS_ROWS + FIRST_PROGRESS_ROWS / 2;
    // With the reader thread, as large inputs are read (it starts after those first rows).
    for (const workers of [1]) {
      const from = reporter.events.length;
      const summary = await runScore(ctx, { model_name: SCORING_MODEL, input_path: input, output_path: join(dir, `out-${workers}.parquet`), batch_size: String(batchSize) }, {}, { workers, plainFirstBatchMinRows: 0 });
      const done = reporter.events.slice(from).flatMap((event) => (event.type === 'progress' ? [(event as { done: number }).done] : []));
      // Two batches (batchSize rows, then the rest): progress after FIRST_PROGRESS_ROWS rows of the first, at its end, and at the end.
      expect(done).toEqual([FIRST_PROGRESS_ROWS, batchSize, rows]);
      expect((reporter.events.filter((event) => event.type === 'log').at(-1) as { message: string }).message).toContain(`the first ${batchSize} rows scored from the model's files, without TensorFlow.js`);
      const out = await readParquetFile(summary.path);
      expect(out).toHaveLength(rows);
      out.forEach((row, r) => {
        IRIS_FEATURES.forEach((name, j) => expect(row[name]).toBe(columns[j]![r]));
        expect(row['prediction']).toBe(labels[r]);
      });
    }
  });

  it('scores every batch with tfjs below the threshold, bit for bit', async () => {
    expect(PLAIN_FIRST_BATCH_MIN_ROWS).toBeGreaterThan(150);
    const dir = await tempDir();
    const { ctx, reporter } = scoringWorkspace(dir);
    await registerChampion(ctx, classifier);
    const columns = rowsOf(300);
    const input = join(dir, 'in.parquet');
    await writeInput(input, columns);
    const summary = await runScore(ctx, { model_name: SCORING_MODEL, input_path: input, output_path: join(dir, 'out.parquet'), batch_size: '64' }, {}, { plainFirstBatchMinRows: 301 });
    expect((reporter.events.filter((event) => event.type === 'log').at(-1) as { message: string }).message).not.toContain('plain JavaScript');
    const features = new Float32Array(300 * 4);
    columns.forEach((column, j) => column.forEach((value, r) => (features[r * 4 + j] = value)));
    const proba = classifier.predictProba(features, 300);
    const out = await readParquetFile(summary.path);
    out.forEach((row, r) => IRIS_LABELS.forEach((label, k) => expect(row[`probability_${label}`]).toBe(proba[r * 3 + k])));
  });
});
