import { describe, expect, it } from 'vitest';
import type { ClassifierDescription } from '../../src/model/classifier.js';
import { DenseWasm, denseWasmAvailable, packDenseLayer } from '../../src/model/dense-wasm.js';
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
    expect(denseWasmAvailable()).toBe(true);
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
    const kernel = new DenseWasm();
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
});

describe('Float32Forward on the kernel', () => {
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
