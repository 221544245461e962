import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { encodeParquet } from '../../../src/io/parquet-writer.js';
import { QuarantineBuffer, RowBuffer } from '../../../src/stages/ingest/rows.js';
import { parseSchema } from '../../../src/stages/ingest/schema.js';

const schema = parseSchema("x DOUBLE NOT NULL, n BIGINT, i INT, label STRING IN ('a', 'b'), s STRING");

async function rowsOf(batch: Parameters<typeof encodeParquet>[0][number]): Promise<Record<string, unknown>[]> {
  const bytes = await encodeParquet([batch], 'test');
  return parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
}

describe('RowBuffer', () => {
  it('keeps committed rows only, with nulls, dictionary strings, rescued data and lineage', async () => {
    const rows = new RowBuffer(schema, 100);
    rows.setDouble(0, 1.5);
    rows.setBigint(1, 10n);
    rows.setInt(2, 3);
    rows.setAllowedIndex(3, 1);
    rows.setString(4, 'hello');
    rows.setRescued('{"extra":"1"}');
    rows.commit();
    // A row that fails half-way is never committed: its values are overwritten by the next row.
    rows.setDouble(0, 99);
    rows.setBigint(1, 99n);
    rows.set(0, 2.5);
    rows.set(1, null);
    rows.set(2, null);
    rows.set(3, 'a');
    rows.set(4, 'hello');
    rows.commit();
    expect(rows.rows).toBe(2);
    const batch = rows.toRecordBatch('file:///landing/x.csv', Date.UTC(2026, 0, 2));
    expect(await rowsOf(batch)).toEqual([
      { x: 1.5, n: 10n, i: 3, label: 'b', s: 'hello', _rescued_data: '{"extra":"1"}', _source_file: 'file:///landing/x.csv', _ingested_at: new Date(Date.UTC(2026, 0, 2)) },
      { x: 2.5, n: null, i: null, label: 'a', s: 'hello', _rescued_data: null, _source_file: 'file:///landing/x.csv', _ingested_at: new Date(Date.UTC(2026, 0, 2)) },
    ]);
  });

  it('is full at its limit, grows past its first allocation, and starts over after clear', async () => {
    const rows = new RowBuffer(parseSchema('x DOUBLE NOT NULL'), 40_000);
    for (let i = 0; i < 40_000; i++) {
      expect(rows.full).toBe(false);
      rows.setDouble(0, i);
      rows.commit();
    }
    expect(rows.full).toBe(true);
    expect(rows.room).toBe(0);
    const values = rows.toRecordBatch('f', 0).getChild('x')!.toArray() as Float64Array;
    expect(values[39_999]).toBe(39_999);
    rows.clear();
    expect(rows.rows).toBe(0);
    expect(rows.full).toBe(false);
  });

  it('splits into zero-offset batches that keep nulls and rescued data at the right rows', () => {
    const rows = new RowBuffer(parseSchema('n INT'), 100);
    for (let i = 0; i < 20; i++) {
      if (i % 3 === 0) rows.setNull(0);
      else rows.setInt(0, i);
      if (i === 17) rows.setRescued('{"r":17}');
      rows.commit();
    }
    const batches = rows.toRecordBatches('f', 0, 8);
    expect(batches.map((batch) => batch.numRows)).toEqual([8, 8, 4]);
    expect(batches.every((batch) => batch.getChildAt(0)!.data[0]!.offset === 0)).toBe(true);
    expect(batches.flatMap((batch) => [...batch.getChild('n')!])).toEqual(Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? null : i)));
    expect(batches.flatMap((batch) => [...batch.getChild('_rescued_data')!]).indexOf('{"r":17}')).toBe(17);
    expect(() => rows.toRecordBatches('f', 0, 10)).toThrow(/multiple of 8/);
  });

  it('refuses a null in a NOT NULL column', () => {
    expect(() => new RowBuffer(schema, 10).setNull(0)).toThrow(/x is NOT NULL/);
  });
});

describe('QuarantineBuffer', () => {
  it('holds raw records with row numbers and reasons, and whole files as null records', async () => {
    const quarantine = new QuarantineBuffer();
    quarantine.add('1,x', 3, 'x "x" is not a number');
    quarantine.add(null, null, 'the file is empty');
    expect(await rowsOf(quarantine.toRecordBatch('file:///l/a.csv', 0))).toEqual([
      { raw_record: '1,x', _source_file: 'file:///l/a.csv', row_number: 3n, reason: 'x "x" is not a number', _ingested_at: new Date(0) },
      { raw_record: null, _source_file: 'file:///l/a.csv', row_number: null, reason: 'the file is empty', _ingested_at: new Date(0) },
    ]);
  });
});
