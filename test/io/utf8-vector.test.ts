import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { utf8Vector } from '../../src/io/utf8-vector.js';

describe('utf8Vector', () => {
  it('builds what vectorFromArray builds: the same strings, offsets and bytes, no nulls', () => {
    for (const values of [['setosa', 'versicolor', 'virginica'], ['çà et là', '', '名前'], ['1'], []]) {
      const direct = utf8Vector(values).data[0]!;
      const built = arrow.vectorFromArray(values, new arrow.Utf8()).data[0]!;
      expect(Array.from(utf8Vector(values).toArray())).toEqual(values);
      expect(direct.length).toBe(built.length);
      expect(direct.nullCount).toBe(0);
      expect(Array.from(direct.valueOffsets)).toEqual(Array.from(built.valueOffsets.subarray(0, values.length + 1)));
      expect(Array.from(direct.values)).toEqual(Array.from(built.values.subarray(0, built.valueOffsets[values.length])));
    }
  });
});
