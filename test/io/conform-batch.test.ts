import * as arrow from 'apache-arrow';
import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { conformBatch, sameLogicalType, widenNullability } from '../../src/io/conform-batch.js';
import { tableToParquet } from '../../src/io/parquet.js';

const dictionaryOfStrings = () => new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());

function plainBatch(labels: (string | null)[]): arrow.RecordBatch {
  return new arrow.Table({
    id: arrow.vectorFromArray(Int32Array.from(labels.map((_, i) => i))),
    label: arrow.vectorFromArray(labels, new arrow.Utf8()),
  }).batches[0]!;
}

function dictionaryBatch(labels: (string | null)[]): arrow.RecordBatch {
  return new arrow.Table({
    id: arrow.vectorFromArray(Int32Array.from(labels.map((_, i) => i))),
    label: arrow.vectorFromArray(labels, dictionaryOfStrings()),
  }).batches[0]!;
}

function labelsOf(batch: arrow.RecordBatch): unknown[] {
  return [...batch.getChild('label')!];
}

describe('sameLogicalType', () => {
  it('treats dictionary-encoded and plain columns of one value type as the same column', () => {
    expect(sameLogicalType(new arrow.Utf8(), dictionaryOfStrings())).toBe(true);
    expect(sameLogicalType(dictionaryOfStrings(), new arrow.Utf8())).toBe(true);
    // Separately built dictionaries get different ids, which Arrow's own comparison tells apart.
    const [a, b] = [dictionaryOfStrings(), dictionaryOfStrings()];
    expect(a.id).not.toBe(b.id);
    expect(arrow.util.compareTypes(a, b)).toBe(false);
    expect(sameLogicalType(a, b)).toBe(true);
    expect(sameLogicalType(new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8()), new arrow.Utf8())).toBe(true);
  });

  it('still tells genuinely different types apart', () => {
    expect(sameLogicalType(new arrow.Utf8(), new arrow.Float64())).toBe(false);
    expect(sameLogicalType(dictionaryOfStrings(), new arrow.Float64())).toBe(false);
    expect(sameLogicalType(dictionaryOfStrings(), new arrow.Binary())).toBe(false);
    expect(sameLogicalType(new arrow.Int32(), new arrow.Int64())).toBe(false);
    expect(sameLogicalType(new arrow.TimestampMillisecond(), new arrow.TimestampMicrosecond())).toBe(false);
  });
});

describe('conformBatch', () => {
  it('decodes a dictionary column into a plain schema, keeping nulls', () => {
    const target = plainBatch(['a']).schema;
    const out = conformBatch(dictionaryBatch(['x', null, 'y', 'x']), target);
    expect(arrow.util.compareSchemas(out.schema, target)).toBe(true);
    expect(arrow.DataType.isUtf8(out.data.children[1]!.type)).toBe(true);
    expect(labelsOf(out)).toEqual(['x', null, 'y', 'x']);
    expect(out.getChild('label')!.nullCount).toBe(1);
  });

  it('encodes a plain column into a dictionary schema', () => {
    const target = dictionaryBatch(['a']).schema;
    const out = conformBatch(plainBatch(['x', 'y', null, 'y']), target);
    expect(arrow.DataType.isDictionary(out.data.children[1]!.type)).toBe(true);
    expect(labelsOf(out)).toEqual(['x', 'y', null, 'y']);
  });

  it('keeps the buffers of a dictionary that differs only in its id, and of unchanged columns', () => {
    const target = dictionaryBatch(['a']).schema;
    const source = dictionaryBatch(['p', 'q', 'p']);
    const out = conformBatch(source, target);
    expect(out.data.children[1]!.type).toBe(target.fields[1]!.type);
    expect(out.data.children[1]!.values).toBe(source.data.children[1]!.values);
    expect(out.data.children[0]).toBe(source.data.children[0]);
    expect(labelsOf(out)).toEqual(['p', 'q', 'p']);
  });

  it('gives batches of mixed encodings one schema that Parquet (read back by hyparquet) holds exactly', async () => {
    const target = plainBatch(['a']).schema;
    const table = new arrow.Table([plainBatch(['a', 'b']), dictionaryBatch(['c', null]), dictionaryBatch(['d'])].map((batch) => conformBatch(batch, target)));
    const bytes = tableToParquet(table);
    const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    expect(rows.map((row) => row.label)).toEqual(['a', 'b', 'c', null, 'd']);
  });
});

describe('widenNullability', () => {
  it('makes a column nullable when the other schema has it nullable, and keeps the schema when nothing changes', () => {
    const strict = new arrow.Schema([new arrow.Field('id', new arrow.Int32(), false), new arrow.Field('label', new arrow.Utf8(), false)]);
    const loose = new arrow.Schema([new arrow.Field('id', new arrow.Int32(), false), new arrow.Field('label', dictionaryOfStrings(), true)]);
    const widened = widenNullability(strict, loose);
    expect(widened.fields.map((field) => [field.name, String(field.type), field.nullable])).toEqual([
      ['id', 'Int32', false],
      ['label', 'Utf8', true],
    ]);
    expect(widenNullability(widened, strict)).toBe(widened);
  });
});
