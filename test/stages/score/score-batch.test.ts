import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Classifier } from '../../../src/model/classifier.js';
import { BatchScorer, splitProbabilities } from '../../../src/stages/score/score-batch.js';
import { IRIS_FEATURES, IRIS_LABELS, irisClassifier, irisColumns } from '../../helpers/scoring-model.js';

let classifier: Classifier;
beforeAll(async () => {
  classifier = await irisClassifier();
});

const origin = { source: 'in.parquet', firstRow: 1000 };

function scorer(onInvalid: 'error' | 'null' = 'error'): BatchScorer {
  return new BatchScorer({ classifier, modelName: 'c.s.m', modelVersion: '7', scoredAt: 1_750_000_000_000, onInvalid });
}

function inputBatch(columns: (Float64Array | arrow.Vector)[]): arrow.RecordBatch {
  const vectors = Object.fromEntries(IRIS_FEATURES.map((name, j) => [name, columns[j] instanceof Float64Array ? arrow.makeVector(columns[j] as Float64Array) : (columns[j] as arrow.Vector)]));
  return new arrow.Table({ ...vectors, species: arrow.vectorFromArray(new Array(columns[0]!.length).fill('x'), new arrow.Utf8()) }).batches[0]!;
}

function seededRows(count: number): Float64Array[] {
  let state = 3;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return [7, 4, 7, 2.5].map((range) => Float64Array.from({ length: count }, () => next() * range));
}

function expectSameAsClassifier(out: arrow.RecordBatch, columns: Float64Array[]): void {
  const rows = columns[0]!.length;
  const features = new Float32Array(rows * 4);
  columns.forEach((column, j) => column.forEach((value, r) => (features[r * 4 + j] = value)));
  const proba = classifier.predictProba(features, rows);
  const labels = classifier.predictLabels(proba, rows);
  const prediction = out.getChild('prediction')!;
  for (let r = 0; r < rows; r++) {
    if (prediction.get(r) !== IRIS_LABELS[labels[r]!]) throw new Error(`row ${r}: ${String(prediction.get(r))} vs ${IRIS_LABELS[labels[r]!]}`);
    IRIS_LABELS.forEach((label, k) => {
      const value = out.getChild(`probability_${label}`)!.get(r);
      if (value !== proba[r * 3 + k]) throw new Error(`row ${r} ${label}: ${String(value)} vs ${proba[r * 3 + k]}`);
    });
  }
}

describe('BatchScorer', () => {
  it('gives bit for bit the probabilities and labels of Classifier.predictProba / predictLabels (Iris, and 20k generated rows)', () => {
    const { columns } = irisColumns();
    expectSameAsClassifier(scorer().score(inputBatch(columns), origin), columns);
    const generated = seededRows(20_000);
    const out = scorer().score(inputBatch(generated), origin);
    expectSameAsClassifier(out, generated);
    expect(new Set(out.getChild('prediction')!.toArray())).toEqual(new Set(IRIS_LABELS));
  });

  it('builds the documented columns: features copied exactly, dictionary-encoded strings, the model and the time', () => {
    const { columns } = irisColumns();
    const s = scorer();
    const out = s.score(inputBatch(columns), origin);
    expect(out.schema.fields.map((f) => f.name)).toEqual(s.schema.fields.map((f) => f.name));
    expect(String(out.schema.fields.find((f) => f.name === 'prediction')!.type)).toMatch(/^Dictionary<Int32, Utf8>$/);
    expect(out.getChild('sepal_width')!.toArray()).toEqual(columns[1]);
    const row = out.get(149)!.toJSON();
    expect(row).toMatchObject({ model_name: 'c.s.m', model_version: '7', scored_at: 1_750_000_000_000 });
    expect(out.numRows).toBe(150);
  });

  it('accepts other numeric types and sliced batches', () => {
    const { columns } = irisColumns();
    const asFloat32 = arrow.makeVector(Float32Array.from(columns[0]!));
    const asInt = arrow.vectorFromArray(Array.from(columns[3]!, (v) => Math.round(v)), new arrow.Int32());
    const mixed = [asFloat32, columns[1]!, columns[2]!, asInt];
    const out = scorer().score(inputBatch(mixed).slice(10, 60), { source: 'in.parquet', firstRow: 10 });
    expect(out.numRows).toBe(50);
    const expectedColumns = [Float64Array.from(Float32Array.from(columns[0]!)), columns[1]!, columns[2]!, Float64Array.from(columns[3]!, (v) => Math.round(v))].map((c) => c.slice(10, 60));
    expectSameAsClassifier(out, expectedColumns);
  });

  it('with on_invalid error, names the source, the row (counting from the file start) and the column', () => {
    const { columns } = irisColumns();
    const lengths = columns[0]!.slice();
    lengths[7] = Number.NaN;
    expect(() => scorer().score(inputBatch([lengths, ...columns.slice(1)]), origin)).toThrow(/^in\.parquet, row 1008: feature "sepal_length" is NaN; expected a finite number/);
    const widths = arrow.vectorFromArray(Array.from(columns[1]!, (v, r) => (r === 0 ? null : v)), new arrow.Float64());
    expect(() => scorer().score(inputBatch([columns[0]!, widths, columns[2]!, columns[3]!]), origin)).toThrow(/row 1001: feature "sepal_width" is null/);
    const huge = columns[2]!.slice();
    huge[3] = 1e300;
    expect(() => scorer().score(inputBatch([columns[0]!, columns[1]!, huge, columns[3]!]), origin)).toThrow(/row 1004: feature "petal_length" is 1e\+300, beyond the float32 range/);
  });

  it('with on_invalid null, nulls the prediction and probabilities of those rows only, with the reason', () => {
    const { columns } = irisColumns();
    const lengths = columns[0]!.slice();
    lengths[2] = Number.NEGATIVE_INFINITY;
    const out = scorer('null').score(inputBatch([lengths, ...columns.slice(1)]), origin);
    expect(out.get(2)!.toJSON()).toMatchObject({ prediction: null, probability_setosa: null, invalid_reason: 'sepal_length is -Infinity', sepal_length: Number.NEGATIVE_INFINITY });
    expect(out.getChild('invalid_reason')!.nullCount).toBe(149);
    expect(out.getChild('prediction')!.nullCount).toBe(1);
    expectSameAsClassifier(out.slice(3, 150), columns.map((c) => c.slice(3)));
  });

  it('gives every output column a buffer of its own (so that it can be transferred), and never hands on a shared input buffer', () => {
    const { columns } = irisColumns();
    // An IPC round trip puts every input column in one shared buffer.
    const shared = arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table(inputBatch(columns)))).batches[0]!;
    const out = scorer().score(shared, origin);
    const buffers = out.data.children.map((child) => child.values.buffer);
    expect(new Set(buffers).size).toBe(buffers.length);
    const inputBuffer = shared.getChild('sepal_length')!.data[0]!.values.buffer;
    expect(buffers).not.toContain(inputBuffer);
  });

  it('scores an empty batch into an empty batch of the same schema', () => {
    const out = scorer().score(inputBatch(IRIS_FEATURES.map(() => new Float64Array(0))), origin);
    expect(out.numRows).toBe(0);
    expect(out.schema.fields).toHaveLength(11);
  });
});

describe('splitProbabilities', () => {
  /** The argmax rule spelled out: the first label with the largest value, NaN never larger. */
  function reference(probabilities: Float32Array, labelCount: number): number[] {
    const labels: number[] = [];
    for (let at = 0; at < probabilities.length; at += labelCount) {
      let label = 0;
      for (let candidate = 1; candidate < labelCount; candidate++) if (probabilities[at + candidate]! > probabilities[at + label]!) label = candidate;
      labels.push(label);
    }
    return labels;
  }

  it.each([2, 3, 4])('with %i labels: columns by label, and the first label wins ties', (labelCount) => {
    const rows = 400;
    let state = labelCount;
    const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    // Values from a few levels, so that ties (and NaNs) are frequent.
    const probabilities = Float32Array.from({ length: rows * labelCount }, () => (random() < 0.05 ? NaN : Math.floor(random() * 3) / 2));
    const columns = Array.from({ length: labelCount }, () => new Float64Array(rows));
    const predicted = new Int32Array(rows);
    splitProbabilities(probabilities, rows, columns, predicted);
    expect(Array.from(predicted)).toEqual(reference(probabilities, labelCount));
    for (let label = 0; label < labelCount; label++) {
      expect(Array.from(columns[label]!)).toEqual(Array.from({ length: rows }, (_, row) => probabilities[row * labelCount + label]));
    }
    // A tie between every label picks label 0; a tie between the last two picks the earlier one.
    const tied = new Float32Array(labelCount).fill(0.25);
    splitProbabilities(tied, 1, columns, predicted);
    expect(predicted[0]).toBe(0);
    tied[0] = 0;
    splitProbabilities(tied, 1, columns, predicted);
    expect(predicted[0]).toBe(1);
  });
});

