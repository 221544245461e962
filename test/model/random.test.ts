import { describe, expect, it } from 'vitest';
import { createRandom, permutation, randomInt, shuffleInPlace } from '../../src/model/random.js';

describe('createRandom', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, createRandom(seed));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('keeps the sequence it was released with (runs stay reproducible across versions)', () => {
    const random = createRandom(42);
    expect([random(), random(), random()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const random = createRandom(7);
    const values = Array.from({ length: 20_000 }, random);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeCloseTo(0.5, 1);
    const buckets = new Array<number>(10).fill(0);
    for (const value of values) buckets[Math.floor(value * 10)]! += 1;
    for (const count of buckets) expect(count).toBeGreaterThan(1_800);
  });
});

describe('randomInt', () => {
  it('draws every integer below the bound and nothing else', () => {
    const random = createRandom(1);
    const seen = new Set(Array.from({ length: 500 }, () => randomInt(random, 6)));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('permutation and shuffleInPlace', () => {
  it('returns each index exactly once', () => {
    const order = permutation(100, createRandom(3));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...order]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('shuffles in place deterministically', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8];
    const b = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(shuffleInPlace(a, createRandom(9))).toBe(a);
    shuffleInPlace(b, createRandom(9));
    expect(a).toEqual(b);
  });
});
