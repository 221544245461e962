import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { batchColumns, parquetColumnSpecs } from '../../src/io/parquet-columns.js';

describe('parquetColumnSpecs', () => {
  it('maps Arrow types to Parquet columns, keeping nullability and the time zone of timestamps', () => {
    const schema = new arrow.Schema([
      new arrow.Field('d', new arrow.Float64(), false),
      new arrow.Field('f', new arrow.Float32(), true),
      new arrow.Field('small', new arrow.Int16(), true),
      new arrow.Field('i', new arrow.Int32(), true),
      new arrow.Field('l', new arrow.Int64(), true),
      new arrow.Field('utc', new arrow.TimestampMillisecond('UTC'), false),
      new arrow.Field('local', new arrow.TimestampMicrosecond(), false),
      new arrow.Field('s', new arrow.Utf8(), true),
      new arrow.Field('label', new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), true),
    ]);
    expect(parquetColumnSpecs(schema)).toEqual([
      { name: 'd', kind: 'double', nullable: false },
      { name: 'f', kind: 'float', nullable: true },
      { name: 'small', kind: 'int32', nullable: true },
      { name: 'i', kind: 'int32', nullable: true },
      { name: 'l', kind: 'int64', nullable: true },
      { name: 'utc', kind: 'timestamp-millis', nullable: false, utc: true },
      { name: 'local', kind: 'timestamp-micros', nullable: false, utc: false },
      { name: 's', kind: 'string', nullable: true },
      { name: 'label', kind: 'string', nullable: true },
    ]);
  });

  it('refuses a type it cannot write, naming the column', () => {
    const schema = new arrow.Schema([new arrow.Field('flags', new arrow.Bool(), false)]);
    expect(() => parquetColumnSpecs(schema)).toThrow(/Column "flags" has Arrow type Bool/);
  });
});

describe('batchColumns', () => {
  it('hands over typed arrays without copying, widens small integers, realigns sliced batches', () => {
    const values = Float64Array.from({ length: 20 }, (_, i) => i);
    const table = new arrow.Table({
      x: arrow.makeVector(values),
      n: arrow.vectorFromArray(Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? null : i)), new arrow.Int16()),
      s: arrow.vectorFromArray(Array.from({ length: 20 }, (_, i) => `v${i}`), new arrow.Utf8()),
    });
    const batch = table.batches[0]!;
    const specs = parquetColumnSpecs(batch.schema);
    const whole = batchColumns(batch, specs);
    expect(whole.columns[0]).toMatchObject({ layout: 'fixed' });
    expect((whole.columns[0] as { values: Float64Array }).values.buffer).toBe(values.buffer);
    expect(whole.transferable).toContain(values.buffer);

    const sliced = batchColumns(batch.slice(3, 13), specs);
    expect(Array.from((sliced.columns[0] as { values: Float64Array }).values)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const small = sliced.columns[1] as { values: Int32Array; validity: Uint8Array };
    expect(small.values).toBeInstanceOf(Int32Array);
    expect(Array.from(small.values).slice(3, 5)).toEqual([6, 7]);
    // Rows 5 and 10 of the table (2 and 7 of the slice) are null; the bitmap now starts at the slice.
    const nulls = Array.from({ length: 10 }, (_, i) => ((small.validity[i >> 3]! >> (i & 7)) & 1) === 0);
    expect(nulls.flatMap((isNull, i) => (isNull ? [i] : []))).toEqual([2, 7]);
    const strings = sliced.columns[2] as { offsets: Int32Array; data: Uint8Array };
    expect(new TextDecoder().decode(strings.data.subarray(strings.offsets[0], strings.offsets[1]))).toBe('v3');
  });

  it('never lists a dictionary as transferable: many batches share it', () => {
    const dictionary = arrow.vectorFromArray(['a', 'b'], new arrow.Utf8());
    const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const indices = Int32Array.from([0, 1, 1]);
    const vector = arrow.makeVector(arrow.makeData({ type, length: 3, data: indices, dictionary }));
    const batch = new arrow.Table({ label: vector }).batches[0]!;
    const { columns, transferable } = batchColumns(batch, parquetColumnSpecs(batch.schema));
    expect(columns[0]).toMatchObject({ layout: 'dictionary' });
    expect(transferable).toContain(indices.buffer);
    expect(transferable).not.toContain(dictionary.data[0]!.values.buffer);
  });

  it('refuses nulls in a non-nullable column and a batch missing a column', () => {
    const schema = new arrow.Schema([new arrow.Field('x', new arrow.Float64(), false)]);
    const withNulls = new arrow.Table({ x: arrow.vectorFromArray([1, null, 3], new arrow.Float64()) }).batches[0]!;
    expect(() => batchColumns(withNulls, parquetColumnSpecs(schema))).toThrow(/"x" is declared non-nullable but the batch has 1 null/);
    const other = new arrow.Table({ y: arrow.vectorFromArray([1], new arrow.Float64()) }).batches[0]!;
    expect(() => batchColumns(other, parquetColumnSpecs(schema))).toThrow(/no column "x"/);
  });
});
