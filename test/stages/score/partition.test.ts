import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { escapePartitionValue, NULL_PARTITION, partitionBatch } from '../../../src/stages/score/partition.js';

const labels = arrow.vectorFromArray(['setosa', 'versi/color', 'virginica'], new arrow.Utf8());
const dictionaryType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());

function batch(): arrow.RecordBatch {
  const rows = 6;
  const validity = Uint8Array.of(0b111011); // row 2 is null
  const schema = new arrow.Schema([new arrow.Field('x', new arrow.Float64(), true), new arrow.Field('prediction', dictionaryType, true), new arrow.Field('at', new arrow.TimestampMillisecond('UTC'), false)]);
  const children = [
    arrow.makeData({ type: new arrow.Float64(), length: rows, nullCount: 1, nullBitmap: Uint8Array.of(0b111110), data: Float64Array.of(0, 1, 2, 3, 4, 5) }),
    arrow.makeData({ type: dictionaryType, length: rows, nullCount: 1, nullBitmap: validity, data: Int32Array.of(0, 1, 0, 2, 1, 0), dictionary: labels }),
    arrow.makeData({ type: new arrow.TimestampMillisecond('UTC'), length: rows, nullCount: 0, data: BigInt64Array.of(0n, 0n, 0n, 0n, 86_400_000n, 86_400_000n) }),
  ];
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, nullCount: 0, children }));
}

describe('partitionBatch', () => {
  it('splits rows by value in order of first appearance, escapes values, drops the column, keeps nulls and other columns', () => {
    const slices = partitionBatch(batch(), 'prediction');
    expect(slices.map((s) => s.folder)).toEqual(['prediction=setosa', 'prediction=versi%2Fcolor', `prediction=${NULL_PARTITION}`, 'prediction=virginica']);
    const bySlice = slices.map((s) => s.batch.toArray().map((row) => row.toJSON()));
    expect(bySlice[0]).toEqual([
      { x: null, at: 0 },
      { x: 5, at: 86_400_000 },
    ]);
    expect(bySlice[1]).toEqual([
      { x: 1, at: 0 },
      { x: 4, at: 86_400_000 },
    ]);
    expect(bySlice[2]).toEqual([{ x: 2, at: 0 }]);
    expect(slices[0]!.batch.schema.fields.map((f) => f.name)).toEqual(['x', 'at']);
  });

  it('partitions by numbers and timestamps too, and works on a sliced batch', () => {
    const byTime = partitionBatch(batch(), 'at');
    expect(byTime.map((s) => s.folder)).toEqual(['at=1970-01-01T00%3A00%3A00.000Z', 'at=1970-01-02T00%3A00%3A00.000Z']);
    const sliced = partitionBatch(batch().slice(3, 6), 'x');
    expect(sliced.map((s) => s.folder)).toEqual(['x=3', 'x=4', 'x=5']);
    expect(sliced[1]!.batch.getChild('prediction')!.get(0)).toBe('versi/color');
  });

  it('names the columns there are when the partition column is not one of them', () => {
    expect(() => partitionBatch(batch(), 'species')).toThrow(/partition_by "species" is not a column of the predictions \(x, prediction, at\)/);
  });
});

describe('escapePartitionValue', () => {
  it("escapes what Hive escapes, and maps the empty string to Hive's null folder", () => {
    expect(escapePartitionValue('a b:c/d=e%f')).toBe('a b%3Ac%2Fd%3De%25f');
    expect(escapePartitionValue('')).toBe(NULL_PARTITION);
    expect(escapePartitionValue('Iris-setosa')).toBe('Iris-setosa');
  });
});
