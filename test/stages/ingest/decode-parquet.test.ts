import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { BadFileError } from '../../../src/stages/ingest/bad-file.js';
import { ParquetRowDecoder } from '../../../src/stages/ingest/decode-parquet.js';
import { QuarantineBuffer, RowBuffer } from '../../../src/stages/ingest/rows.js';
import { parseSchema } from '../../../src/stages/ingest/schema.js';

const schema = parseSchema("x DOUBLE NOT NULL, n INT, label STRING IN ('a', 'b')");

const batch = new arrow.Table({
  label: arrow.vectorFromArray(['a', 'zzz', 'b'], new arrow.Utf8()),
  x: arrow.vectorFromArray([1, 2, null], new arrow.Float32()),
  n: arrow.vectorFromArray([5n, 6n, 7n], new arrow.Int64()),
  note: arrow.vectorFromArray(['hi', null, 'yo'], new arrow.Utf8()),
}).batches[0]!;

describe('ParquetRowDecoder', () => {
  it('matches columns by name, widens types, quarantines rows as JSON, rescues extra columns', () => {
    const rows = new RowBuffer(schema, 100);
    const quarantine = new QuarantineBuffer();
    const decoder = new ParquetRowDecoder(schema, 'rescue', rows, quarantine, 'f.parquet', batch.schema);
    expect(decoder.decode(batch, 0)).toBe(3);
    expect(rows.toRecordBatch('f', 0).toArray().map((row) => [row.x, row.n, row.label, row._rescued_data])).toEqual([[1, 5, 'a', '{"note":"hi"}']]);
    expect(quarantine.toRecordBatch('f', 0).toArray().map((row) => [Number(row.row_number), row.reason, row.raw_record])).toEqual([
      [2, 'label "zzz" is not one of a, b', '{"label":"zzz","x":2,"n":"6","note":null}'],
      [3, 'x is null', '{"label":"b","x":null,"n":"7","note":"yo"}'],
    ]);
  });

  it('stops where the part is full and resumes there', () => {
    const good = new arrow.Table({ x: arrow.vectorFromArray([1, 2, 3], new arrow.Float64()) }).batches[0]!;
    const rows = new RowBuffer(schema, 2);
    const decoder = new ParquetRowDecoder(schema, 'rescue', rows, new QuarantineBuffer(), 'f', good.schema);
    expect(decoder.decode(good, 0)).toBe(2);
    rows.clear();
    expect(decoder.decode(good, 2)).toBe(3);
    expect(rows.rows).toBe(1);
  });

  it('makes the file bad when a NOT NULL column is missing, or extra columns must fail', () => {
    const missing = new arrow.Schema([new arrow.Field('n', new arrow.Int32())]);
    expect(() => new ParquetRowDecoder(schema, 'rescue', new RowBuffer(schema, 1), new QuarantineBuffer(), 'f.parquet', missing)).toThrow(BadFileError);
    expect(() => new ParquetRowDecoder(schema, 'rescue', new RowBuffer(schema, 1), new QuarantineBuffer(), 'f.parquet', missing)).toThrow(/^f\.parquet: the Parquet schema does not match the configured schema \(missing x\)/);
    expect(() => new ParquetRowDecoder(schema, 'fail', new RowBuffer(schema, 1), new QuarantineBuffer(), 'f', batch.schema)).toThrow(/unexpected note/);
  });
});
