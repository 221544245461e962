import { describe, expect, it } from 'vitest';
import { buildFixedDictionary, MAX_FIXED_DICTIONARY_SIZE } from '../../src/io/parquet-dictionary.js';

/** The dictionary's values read back as the column's type. */
function entries<T extends Float64Array | Float32Array | Int32Array | BigInt64Array>(make: (buffer: ArrayBuffer) => T, bytes: Uint8Array): T {
  return make(bytes.slice().buffer);
}

describe('buildFixedDictionary', () => {
  it('keeps distinct doubles in order of first appearance and gives every row its index', () => {
    const values = Float64Array.from({ length: 1000 }, (_, r) => [5.1, 4.9, 5.1, 6.3, 4.9][r % 5]!);
    const dictionary = buildFixedDictionary(values, undefined, values.length)!;
    expect(dictionary.size).toBe(3);
    expect(Array.from(entries((b) => new Float64Array(b), dictionary.values))).toEqual([5.1, 4.9, 6.3]);
    expect(dictionary.count).toBe(1000);
    expect(Array.from(dictionary.indices.subarray(0, 10))).toEqual([0, 1, 0, 2, 1, 0, 1, 0, 2, 1]);
  });

  it('compares by bits: -0 and 0 are two entries, a NaN is kept as it is', () => {
    const values = Float64Array.from({ length: 64 }, (_, r) => [0, -0, NaN, 1.5][r % 4]!);
    const dictionary = buildFixedDictionary(values, undefined, values.length)!;
    const distinct = Array.from(entries((b) => new Float64Array(b), dictionary.values));
    expect(distinct).toHaveLength(4);
    expect(Object.is(distinct[0], 0)).toBe(true);
    expect(Object.is(distinct[1], -0)).toBe(true);
    expect(distinct[2]).toBeNaN();
  });

  it('skips null rows: indices cover the non-null values only', () => {
    const values = Float64Array.from({ length: 16 }, (_, r) => r % 2);
    const validity = new Uint8Array([0b1111_0000, 0b0000_1111]);
    const dictionary = buildFixedDictionary(values, validity, 16)!;
    expect(dictionary.count).toBe(8);
    expect(Array.from(dictionary.indices.subarray(0, 8))).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    // Row 4 (the first valid one) holds 0: the first entry.
    expect(Array.from(entries((b) => new Float64Array(b), dictionary.values))).toEqual([0, 1]);
  });

  it('handles 4-byte values (int32, float) and 8-byte integers (timestamps)', () => {
    const ints = Int32Array.from({ length: 500 }, (_, r) => (r % 7) - 3);
    const intDictionary = buildFixedDictionary(ints, undefined, ints.length)!;
    expect(intDictionary.size).toBe(7);
    expect(Array.from(entries((b) => new Int32Array(b), intDictionary.values))).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    const floats = Float32Array.from({ length: 500 }, (_, r) => (r % 3) / 10);
    expect(buildFixedDictionary(floats, undefined, floats.length)!.size).toBe(3);
    const stamps = new BigInt64Array(70_000).fill(1_764_115_200_000n);
    const stampDictionary = buildFixedDictionary(stamps, undefined, stamps.length)!;
    expect(stampDictionary.size).toBe(1);
    expect(Array.from(entries((b) => new BigInt64Array(b), stampDictionary.values))).toEqual([1_764_115_200_000n]);
    expect(stampDictionary.indices.subarray(0, 70_000).every((index) => index === 0)).toBe(true);
  });

  it('gives up past maxSize distinct values, and when the dictionary would not be smaller than the values', () => {
    const many = Float64Array.from({ length: 20_000 }, (_, r) => r / 3);
    expect(buildFixedDictionary(many, undefined, many.length)).toBeUndefined();
    const few = Float64Array.from({ length: 20_000 }, (_, r) => r % 100);
    expect(buildFixedDictionary(few, undefined, few.length, 99)).toBeUndefined();
    expect(buildFixedDictionary(few, undefined, few.length, 100)!.size).toBe(100);
    // Four rows, four values: the dictionary alone is as large as the column.
    expect(buildFixedDictionary(Float64Array.of(1, 2, 3, 4), undefined, 4)).toBeUndefined();
    expect(buildFixedDictionary(new Float64Array(0), undefined, 0)).toBeUndefined();
    expect(() => buildFixedDictionary(few, undefined, few.length, MAX_FIXED_DICTIONARY_SIZE + 1)).toThrow(RangeError);
  });

  it('finds every value again among thousands of near-identical doubles (no lost or merged entries in the hash table)', () => {
    let state = 11;
    const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const distinct = Float64Array.from({ length: MAX_FIXED_DICTIONARY_SIZE }, (_, i) => 1 + i * Number.EPSILON);
    const values = Float64Array.from({ length: 100_000 }, () => distinct[Math.floor(random() * distinct.length)]!);
    const dictionary = buildFixedDictionary(values, undefined, values.length)!;
    const table = entries((b) => new Float64Array(b), dictionary.values);
    expect(new Set(table).size).toBe(dictionary.size);
    for (let r = 0; r < values.length; r++) if (table[dictionary.indices[r]!] !== values[r]) throw new Error(`row ${r} maps to ${table[dictionary.indices[r]!]}, not ${values[r]}`);
  });
});
