import { describe, expect, it } from 'vitest';
import type { ClassifierDescription } from '../../src/model/classifier.js';
import { ForwardWasm, forwardWasmAvailable, packDenseLayer } from '../../src/model/forward-wasm.js';
import { Float32Forward } from '../../src/model/forward32.js';

/** Seeded values in [-2, 2), as float32. */
function floats(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 4);
}

function network(hidden: number[], activation: 'relu' | 'tanh' | 'sigmoid', seed: number): ClassifierDescription {
  const sizes = [4, ...hidden, 3];
  return {
    featureNames: ['a', 'b', 'c', 'd'],
    labels: ['x', 'y', 'z'],
    normalization: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] },
    layers: sizes.slice(1).map((units, l) => ({
      inputUnits: sizes[l]!,
      units,
      kernel: floats(sizes[l]! * units, seed + l),
      bias: floats(units, seed + 100 + l),
      activation: l === hidden.length ? 'softmax' : activation,
    })),
  };
}

/**
 * The forward pass written the scalar way, one Math.fround per product and per sum (what
 * Float32Forward ran in JavaScript before the kernel): the kernel must give the same bits.
 */
function scalarProbabilities(description: ClassifierDescription, x: Float32Array, rows: number): Float32Array {
  const f = Math.fround;
  let current = x;
  description.layers.forEach((layer, index) => {
    const last = index === description.layers.length - 1;
    const biasFirst = !last && layer.activation === 'relu';
    const next = new Float32Array(rows * layer.units);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < layer.units; k++) {
        let sum = biasFirst ? layer.bias[k]! : 0;
        for (let i = 0; i < layer.inputUnits; i++) sum = f(sum + f(current[r * layer.inputUnits + i]! * layer.kernel[i * layer.units + k]!));
        if (!biasFirst) sum = f(sum + layer.bias[k]!);
        next[r * layer.units + k] = last ? sum : layer.activation === 'relu' ? (sum > 0 ? sum : 0) : layer.activation === 'tanh' ? Math.tanh(sum) : 1 / (1 + Math.exp(-sum));
      }
    }
    current = next;
  });
  const classes = description.labels.length;
  for (let r = 0; r < rows; r++) {
    const row = current.subarray(r * classes, (r + 1) * classes);
    const max = Math.max(...row);
    const exps = Array.from(row, (value) => Math.exp(value - max));
    const total = exps.reduce((a, b) => a + b, 0);
    exps.forEach((value, k) => (row[k] = value / total));
  }
  return current;
}

function differences(a: Float32Array, b: Float32Array): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) count++;
  return count;
}

describe('the dense WebAssembly kernel', () => {
  it('compiles here (Node 20 has WebAssembly SIMD)', () => {
    expect(forwardWasmAvailable()).toBe(true);
  });

  it('packs weights by input, then units in groups of four, zero-padded', () => {
    // 2 inputs × 5 units: kernel[i * 5 + k] = 10 i + k.
    const kernel = Array.from({ length: 10 }, (_, n) => 10 * Math.floor(n / 5) + (n % 5));
    const { weights, bias, groups } = packDenseLayer(2, 5, kernel, [1, 2, 3, 4, 5]);
    expect(groups).toBe(2);
    expect(Array.from(weights)).toEqual([0, 1, 2, 3, 4, 0, 0, 0, 10, 11, 12, 13, 14, 0, 0, 0]);
    expect(Array.from(bias)).toEqual([1, 2, 3, 4, 5, 0, 0, 0]);
  });

  it('computes one layer as f32 sums in input order: bias first and relu, or bias after', () => {
    const kernel = new ForwardWasm();
    const { weights, bias, groups } = packDenseLayer(3, 2, [1, -1, 2, 0.5, -3, 0.25], [0.5, -100]);
    kernel.reserve(4096);
    kernel.floats(0, weights.length).set(weights);
    kernel.floats(256, bias.length).set(bias);
    kernel.floats(512, 6).set([1, 2, 3, 1e-8, 1, 1]);
    kernel.dense(512, 3, 3, 2, 0, 256, groups, 1024, true, true);
    const f = Math.fround;
    // Row 0: unit 0 = 0.5 + 1·1 + 2·2 + 3·(-3) = -3.5 → relu 0; unit 1 = -100 - 1 + 1 + 0.75 = -99.25 → 0.
    // Row 1: unit 0 = f(f(f(0.5 + 1e-8) + 2) - 3); unit 1 = -100 - 1e-8 + 0.5 + 0.25 → 0.
    const row1 = f(f(f(0.5 + f(1e-8)) + 2) - 3);
    expect(Array.from(kernel.floats(1024, 8))).toEqual([0, 0, 0, 0, row1 > 0 ? row1 : 0, 0, 0, 0]);
    kernel.dense(512, 3, 3, 2, 0, 256, groups, 1024, false, false);
    expect(Array.from(kernel.floats(1024, 2))).toEqual([f(f(1 + 4 - 9) + 0.5), f(f(f(f(-1) + 1) + 0.75) - 100)]);
  });

  it('normalises a float64 column through float32 and counts NaN and infinite values', () => {
    const kernel = new ForwardWasm();
    kernel.reserve(4096);
    const values = [5.1, 1e300, NaN, -Infinity, 0.1, 3.4028235677973366e38];
    kernel.doubles(0, values.length).set(values);
    const bad = kernel.normalize(0, values.length, 5.8, 0.83, 1024, 2);
    // 1e300 and 3.4028235677973366e38 round to +Infinity as float32.
    expect(bad).toBe(4);
    const out = kernel.floats(1024, values.length * 2);
    values.forEach((value, r) => expect(out[r * 2]).toBe(Math.fround((Math.fround(value) - 5.8) / 0.83)));
  });

  it('splits probabilities into columns and the first of the largest, a NaN never winning over the class before it', () => {
    const kernel = new ForwardWasm();
    kernel.reserve(4096);
    const rows = [[0.2, 0.5, 0.3], [0.4, 0.4, 0.2], [NaN, 0.6, 0.4], [0.3, NaN, 0.7], [0.1, 0.1, 0.8]];
    kernel.floats(0, 15).set(rows.flat());
    kernel.split(0, 5, 3, 1024, 2048);
    expect(Array.from(kernel.ints(2048, 5))).toEqual([1, 0, 0, 2, 2]);
    [0, 1, 2].forEach((k) => expect(Array.from(kernel.doubles(1024 + k * 5 * 8, 5))).toEqual(rows.map((row) => Math.fround(row[k]!))));
  });
});

/** BatchScorer's own path: normalise (fround, then (x − mean) / std into float32), probabilities, split. */
function scoreByParts(forward: Float32Forward, features: Float64Array[], mean: number[], std: number[], rows: number): { columns: Float64Array[]; predicted: Int32Array } {
  const normalized = new Float32Array(rows * features.length);
  features.forEach((values, j) => values.forEach((value, r) => (normalized[r * features.length + j] = (Math.fround(value) - mean[j]!) / std[j]!)));
  const probabilities = new Float32Array(rows * 3);
  forward.probabilities(normalized, rows, probabilities);
  const columns = [0, 1, 2].map((k) => Float64Array.from({ length: rows }, (_, r) => probabilities[r * 3 + k]!));
  const predicted = Int32Array.from({ length: rows }, (_, r) => [1, 2].reduce((best, k) => (probabilities[r * 3 + k]! > probabilities[r * 3 + best]! ? k : best), 0));
  return { columns, predicted };
}

describe('Float32Forward on the kernel', () => {
  it('scoreColumns: raw columns, rows [from, to), the same bits as normalising, scoring and splitting by parts', () => {
    const description = network([16], 'relu', 5);
    const forward = new Float32Forward(description);
    const rows = 5000;
    const features = [0, 1, 2, 3].map((j) => Float64Array.from(floats(rows, 40 + j), (value) => value * 3 + 5));
    const mean = [5.8, 3.1, 3.7, 1.2];
    const std = [0.83, 0.44, 1.76, 0.76];
    const expected = scoreByParts(forward, features, mean, std, rows);
    const columns = [0, 1, 2].map(() => new Float64Array(rows).fill(-1));
    const predicted = new Int32Array(rows).fill(-1);
    // In two steps, as BatchScorer's first batch is scored.
    expect(forward.scoreColumns(features, 0, 1024, mean, std, columns, predicted)).toBe(true);
    expect(columns[0]![1024]).toBe(-1);
    expect(forward.scoreColumns(features, 1024, rows, mean, std, columns, predicted)).toBe(true);
    columns.forEach((column, k) => expect(Array.from(column)).toEqual(Array.from(expected.columns[k]!)));
    expect(Array.from(predicted)).toEqual(Array.from(expected.predicted));
  });

  it('scoreColumns declines, writing nothing, when a value is NaN or infinite as float32', () => {
    const forward = new Float32Forward(network([16], 'relu', 6));
    const features = [0, 1, 2, 3].map((j) => Float64Array.from({ length: 10 }, (_, r) => r + j));
    features[2]![7] = 1e39;
    const columns = [0, 1, 2].map(() => new Float64Array(10));
    const predicted = new Int32Array(10).fill(-1);
    expect(forward.scoreColumns(features, 0, 10, [0, 0, 0, 0], [1, 1, 1, 1], columns, predicted)).toBe(false);
    expect(predicted.every((label) => label === -1)).toBe(true);
    expect(columns.every((column) => column.every((value) => value === 0))).toBe(true);
  });

  for (const [hidden, activation] of [
    [[16], 'relu'],
    [[5], 'relu'],
    [[33, 9], 'relu'],
    [[6, 5], 'tanh'],
    [[7, 3], 'sigmoid'],
  ] as const) {
    it(`gives the scalar float32 pass's bits: ${activation}, hidden ${hidden.join(' × ')}`, () => {
      const description = network([...hidden], activation, hidden[0]! * 31 + activation.length);
      const forward = new Float32Forward(description);
      // Growing between calls (its memory grows), and back to fewer rows.
      for (const rows of [1, 3000, 257, 0]) {
        const x = floats(rows * 4, rows + 1);
        const out = new Float32Array(rows * 3);
        forward.probabilities(x, rows, out);
        expect(differences(out, scalarProbabilities(description, x, rows))).toBe(0);
      }
    });
  }
});
