import { describe, expect, it } from 'vitest';
import { latin1String, maxOf, minOf, pushAll } from '../src/arrays.js';

// Far beyond what a call's arguments can hold: a spread of this many elements throws RangeError.
const MANY = 2_000_000;

describe('array helpers at sizes a spread cannot take', () => {
  it('the spread they replace really overflows at this size', () => {
    const big = new Array<number>(MANY).fill(1);
    expect(() => [].push(...(big as never[]))).toThrow(RangeError);
  });

  it('pushAll appends every item in order and returns the target', () => {
    const target = [-1];
    const items = Array.from({ length: MANY }, (_, i) => i);
    expect(pushAll(target, items)).toBe(target);
    expect(target.length).toBe(MANY + 1);
    expect(target[1]).toBe(0);
    expect(target[MANY]).toBe(MANY - 1);
  });

  it('maxOf / minOf agree with Math.max / Math.min, including empty input and NaN', () => {
    const values = Float64Array.from({ length: MANY }, (_, i) => Math.sin(i) * 1000);
    let max = -Infinity;
    let min = Infinity;
    for (const value of values) {
      max = Math.max(max, value);
      min = Math.min(min, value);
    }
    expect(maxOf(values)).toBe(max);
    expect(minOf(values)).toBe(min);
    expect(maxOf([])).toBe(-Infinity);
    expect(minOf([])).toBe(Infinity);
    expect(maxOf([], 7)).toBe(7);
    expect(maxOf([3, 9], 5)).toBe(9);
    expect(minOf([3, 9], 1)).toBe(1);
    expect(maxOf([1, NaN, 2])).toBeNaN();
    expect(minOf([1, NaN, 2])).toBeNaN();
  });

  it('latin1String maps each byte to one character, of a subarray too', () => {
    const bytes = Uint8Array.from({ length: MANY }, (_, i) => i % 256);
    const text = latin1String(bytes);
    expect(text.length).toBe(MANY);
    expect(text.charCodeAt(255)).toBe(255);
    expect(text.charCodeAt(256)).toBe(0);
    expect(latin1String(bytes.subarray(65, 68))).toBe('ABC');
    expect(latin1String(Uint8Array.of(0xe9, 0xff))).toBe('\u00e9\u00ff');
  });
});
