import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClassifierDescription } from '../../../src/model/classifier.js';
import { BatchScorer } from '../../../src/stages/score/score-batch.js';
import { IRIS_FEATURES, irisClassifier, irisColumns } from '../../helpers/scoring-model.js';

// BatchScorer.score with `early`: the first rows scored first, the caller told, then the rest — one output batch as without it.
let description: ClassifierDescription;
beforeAll(async () => {
  const classifier = await irisClassifier();
  description = classifier.describe();
  classifier.dispose();
});

const origin = { source: 'in.parquet', firstRow: 0 };

function scorer(onInvalid: 'error' | 'null' = 'error'): BatchScorer {
  // The plain-JS engine (a description), as batch scoring's first batch uses it.
  return new BatchScorer({ classifier: description, modelName: 'c.s.m', modelVersion: '7', scoredAt: 1_750_000_000_000, onInvalid });
}

/** Iris repeated and jittered to `rows` rows. */
function columnsOf(rows: number): Float64Array[] {
  const { columns } = irisColumns();
  return columns.map((column, j) => Float64Array.from({ length: rows }, (_, r) => Math.round((column[r % 150]! + ((r * (j + 3)) % 7) / 20) * 100) / 100));
}

function batchOf(columns: (Float64Array | arrow.Vector)[]): arrow.RecordBatch {
  return new arrow.Table(Object.fromEntries(IRIS_FEATURES.map((name, j) => [name, columns[j] instanceof Float64Array ? arrow.makeVector(columns[j] as Float64Array) : (columns[j] as arrow.Vector)]))).batches[0]!;
}

function valuesOf(batch: arrow.RecordBatch): unknown[][] {
  return batch.schema.fields.map((field) => Array.from(batch.getChild(field.name)!.toArray() as ArrayLike<unknown>));
}

describe('BatchScorer.score in two steps (early)', () => {
  it('gives the same batch, value for value, as one step, and says when its first rows are scored, once', () => {
    const columns = columnsOf(1000);
    const whole = scorer().score(batchOf(columns), origin);
    const told: number[] = [];
    const early = scorer();
    const stepped = early.score(batchOf(columns), origin, { rows: 300, scored: (rows) => told.push(rows, early.scoredBy.plain) });
    // Told after the first 300 rows, before the other 700.
    expect(told).toEqual([300, 300]);
    expect(early.scoredBy.plain).toBe(1000);
    expect(stepped.numRows).toBe(1000);
    expect(valuesOf(stepped)).toEqual(valuesOf(whole));
    // A batch no larger than `rows` is scored in one step, and nothing is told early.
    const small = scorer().score(batchOf(columnsOf(300)), origin, { rows: 300, scored: () => told.push(-1) });
    expect(small.numRows).toBe(300);
    expect(told).toEqual([300, 300]);
  });

  it('fails at the first invalid row wherever it is, and nulls invalid rows in either step as one step does', () => {
    const columns = columnsOf(1000);
    for (const bad of [10, 700]) {
      const lengths = columns[0]!.slice();
      lengths[bad] = Number.NaN;
      const told: number[] = [];
      expect(() => scorer().score(batchOf([lengths, ...columns.slice(1)]), origin, { rows: 300, scored: (rows) => told.push(rows) })).toThrow(
        new RegExp(`^in\\.parquet, row ${bad + 1}: feature "sepal_length" is NaN`),
      );
      // A bad row in the first 300 fails before they count as scored.
      expect(told).toEqual(bad < 300 ? [] : [300]);
    }
    const widths = arrow.vectorFromArray(Array.from(columns[1]!, (v, r) => (r === 5 || r === 800 ? null : v)), new arrow.Float64());
    const input = [columns[0]!, widths, columns[2]!, columns[3]!];
    const whole = scorer('null').score(batchOf(input), origin);
    const stepped = scorer('null').score(batchOf(input), origin, { rows: 300, scored: () => undefined });
    expect(stepped.getChild('prediction')!.get(5)).toBeNull();
    expect(stepped.getChild('prediction')!.get(800)).toBeNull();
    expect(stepped.getChild('prediction')!.nullCount).toBe(2);
    expect(valuesOf(stepped)).toEqual(valuesOf(whole));
  });
});
