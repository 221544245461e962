import { describe, expect, it } from 'vitest';
import { checkByteRange } from '../../src/workspace/byte-range.js';

describe('checkByteRange', () => {
  it('accepts whole offsets with 0 ≤ start ≤ end, an empty range included', () => {
    for (const [start, end] of [[0, 0], [0, 1], [5, 5], [7, 2 ** 40]] as const) expect(() => checkByteRange('/Volumes/c/s/v/f', start, end)).not.toThrow();
  });

  it('refuses anything else with INVALID_ARGUMENT naming the path and the range', () => {
    for (const [start, end] of [[5, 4], [-1, 3], [0.5, 3], [0, Number.NaN], [0, Number.POSITIVE_INFINITY]] as const) {
      expect(() => checkByteRange('/Volumes/c/s/v/f', start, end)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`bytes [${start}, ${end}) of /Volumes/c/s/v/f`) }));
    }
  });
});
