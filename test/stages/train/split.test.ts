import { describe, expect, it } from 'vitest';
import { stratifiedSample, stratifiedSplit } from '../../../src/stages/train/split.js';

const counts = (labels: ArrayLike<number>, rows: Int32Array) => {
  const byLabel = new Map<number, number>();
  rows.forEach((row) => byLabel.set(labels[row]!, (byLabel.get(labels[row]!) ?? 0) + 1));
  return Object.fromEntries([...byLabel.entries()].sort(([a], [b]) => a - b));
};
const iris = Int32Array.from({ length: 150 }, (_, row) => Math.floor(row / 50));

describe('stratifiedSplit', () => {
  it('splits Iris 120/30 with 10 test rows per class', () => {
    const { train, test } = stratifiedSplit(iris, { testSize: 0.2, seed: 42 });
    expect(train.length).toBe(120);
    expect(test.length).toBe(30);
    expect(counts(iris, test)).toEqual({ 0: 10, 1: 10, 2: 10 });
    expect(counts(iris, train)).toEqual({ 0: 40, 1: 40, 2: 40 });
  });

  it('partitions the rows: disjoint, complete, ascending', () => {
    const { train, test } = stratifiedSplit(iris, { testSize: 0.3, seed: 1 });
    const all = [...train, ...test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect([...train]).toEqual([...train].sort((a, b) => a - b));
    expect([...test]).toEqual([...test].sort((a, b) => a - b));
  });

  it('gives the same split for the same seed and another for another seed', () => {
    const a = stratifiedSplit(iris, { testSize: 0.2, seed: 42 });
    const b = stratifiedSplit(iris, { testSize: 0.2, seed: 42 });
    const c = stratifiedSplit(iris, { testSize: 0.2, seed: 43 });
    expect(b).toEqual(a);
    expect([...c.test]).not.toEqual([...a.test]);
  });

  it('rounds the test size up, as scikit-learn does, and shares it by largest remainder', () => {
    // 10 rows × 0.25 = 2.5 → 3 test rows; classes of 6 and 4 have quotas 1.8 and 1.2 → 2 and 1.
    const labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
    const { test } = stratifiedSplit(labels, { testSize: 0.25, seed: 0 });
    expect(test.length).toBe(3);
    expect(counts(labels, test)).toEqual({ 0: 2, 1: 1 });
  });

  it('keeps every class with two or more rows in both parts, taking rows from the largest class', () => {
    // 0.1 × 22 → 3 test rows; the quotas would give class 2 (2 rows) nothing.
    const labels = [...new Array<number>(12).fill(0), ...new Array<number>(8).fill(1), 2, 2];
    const { train, test } = stratifiedSplit(labels, { testSize: 0.1, seed: 5 });
    expect(test.length).toBe(3);
    expect(counts(labels, test)).toEqual({ 0: 1, 1: 1, 2: 1 });
    expect(counts(labels, train)).toEqual({ 0: 11, 1: 7, 2: 1 });
  });

  it('never puts a whole class in the test part', () => {
    // 0.9 × 5 → 5, capped at 4 test rows; largest remainder gives class 1 both of its rows (quota 1.6),
    // so one goes back to training and, with no class able to take its place, the test part shrinks to 3.
    const labels = [0, 0, 0, 1, 1];
    const { train, test } = stratifiedSplit(labels, { testSize: 0.9, seed: 2 });
    expect(train.length).toBeGreaterThanOrEqual(2);
    expect(counts(labels, train)).toEqual({ 0: 1, 1: 1 });
    expect(counts(labels, test)).toEqual({ 0: 2, 1: 1 });
  });

  it('trains on a class that has a single row', () => {
    const labels = [0, 0, 0, 0, 1, 1, 1, 1, 2];
    for (let seed = 0; seed < 5; seed++) {
      const { train, test } = stratifiedSplit(labels, { testSize: 0.5, seed });
      expect([...train]).toContain(8);
      expect(test.length).toBe(5); // ceil(4.5); the singleton's share went to another class
      expect(counts(labels, test)).toMatchObject({ 0: expect.any(Number), 1: expect.any(Number) });
    }
  });

  it('accepts any numeric labels, not only 0..k-1', () => {
    const labels = [7, 7, 7, 7, 3, 3, 3, 3];
    const { test } = stratifiedSplit(labels, { testSize: 0.5, seed: 1 });
    expect(counts(labels, test)).toEqual({ 3: 2, 7: 2 });
  });

  it('rejects a test size outside (0, 1), too few rows and non-numeric labels', () => {
    expect(() => stratifiedSplit(iris, { testSize: 0, seed: 1 })).toThrow('testSize must be a fraction strictly between 0 and 1, got 0');
    expect(() => stratifiedSplit(iris, { testSize: 1, seed: 1 })).toThrow(/got 1$/);
    expect(() => stratifiedSplit([1], { testSize: 0.5, seed: 1 })).toThrow('A train/test split needs at least 2 rows, got 1');
    expect(() => stratifiedSplit([0, Number.NaN], { testSize: 0.5, seed: 1 })).toThrow('Row 1: expected a class label number, found NaN');
  });
});

describe('at 2,000,300 rows (no spread of a class into call arguments)', () => {
  const rows = 2_000_300;
  const labels = Int32Array.from({ length: rows }, (_, row) => row % 3);

  it('stratifiedSplit splits every row exactly once, stratified', () => {
    const split = stratifiedSplit(labels, { testSize: 0.2, seed: 7 });
    expect(split.test.length).toBe(Math.ceil(0.2 * rows));
    expect(split.train.length + split.test.length).toBe(rows);
    const seen = new Uint8Array(rows);
    for (const row of split.train) seen[row]! += 1;
    for (const row of split.test) seen[row]! += 1;
    expect(seen.every((count) => count === 1)).toBe(true);
    const testPerClass = [0, 0, 0];
    for (const row of split.test) testPerClass[labels[row]!]! += 1;
    expect(Math.max(...testPerClass) - Math.min(...testPerClass)).toBeLessThanOrEqual(1);
  });

  it('stratifiedSample keeps the requested count, each class its share, the same rows for the same seed', () => {
    const sample = stratifiedSample(labels, 10_000, 42);
    expect(sample.length).toBe(10_000);
    expect([...sample.slice(1)].every((row, i) => row > sample[i]!)).toBe(true);
    const perClass = [0, 0, 0];
    for (const row of sample) perClass[labels[row]!]! += 1;
    expect(perClass.map((count) => Math.abs(count - 10_000 / 3) < 1)).toEqual([true, true, true]);
    expect(stratifiedSample(labels, 10_000, 42)).toEqual(sample);
    expect(stratifiedSample(labels, 10_000, 43)).not.toEqual(sample);
  });
});

describe('stratifiedSample', () => {
  it('keeps every row when the size is not below the row count', () => {
    expect([...stratifiedSample([0, 1, 1], 3, 1)]).toEqual([0, 1, 2]);
    expect([...stratifiedSample([0, 1, 1], 10, 1)]).toEqual([0, 1, 2]);
  });

  it('rejects a size that is not a positive integer', () => {
    expect(() => stratifiedSample([0, 1], 0, 1)).toThrow(/positive integer/);
    expect(() => stratifiedSample([0, 1], 1.5, 1)).toThrow(/positive integer/);
  });
});
