import * as arrow from 'apache-arrow';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { parquetRowGroupRows } from '../../src/io/parquet-footer.js';
import { encodeParquet } from '../../src/io/parquet-writer.js';
import { tableToParquet } from '../../src/io/parquet.js';
import { parquetWithRowGroups } from '../helpers/row-groups.js';

function table(rows: number): arrow.Table {
  return new arrow.Table({
    x: arrow.vectorFromArray(Float64Array.from({ length: rows }, (_, i) => i / 3)),
    label: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => `row ${i}`), new arrow.Utf8()),
    flag: arrow.vectorFromArray(Array.from({ length: rows }, (_, i) => i % 2 === 0), new arrow.Bool()),
  });
}

/** Rows per row group as an independent reader (hyparquet) sees them. */
function expectedRows(bytes: Uint8Array): number[] {
  return parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).row_groups.map((group) => Number(group.num_rows));
}

describe('parquetRowGroupRows', () => {
  it("reads each row group's row count from footers of parquet-wasm's writer and ours, as hyparquet does", async () => {
    const ours = new arrow.Table({ x: table(150).getChild('x')!, label: table(150).getChild('label')! });
    const files = [
      parquetWithRowGroups(table(1000), 300),
      parquetWithRowGroups(table(7), 7),
      tableToParquet(table(150)),
      await encodeParquet(ours.batches, 'ours.parquet'),
    ];
    for (const bytes of files) {
      const rows = parquetRowGroupRows(bytes, 'f.parquet');
      expect(rows).toEqual(expectedRows(bytes));
      expect(rows.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    }
    expect(parquetRowGroupRows(parquetWithRowGroups(table(1000), 300), 'f.parquet')).toEqual([300, 300, 300, 100]);
  });

  it('fails with CORRUPT naming the file on a cut footer or bytes that are not Parquet', () => {
    const bytes = tableToParquet(table(10));
    const cut = bytes.slice();
    // The footer length claims more bytes than the file has.
    new DataView(cut.buffer).setUint32(cut.byteLength - 8, cut.byteLength, true);
    expect(() => parquetRowGroupRows(cut, 'cut.parquet')).toThrow(expect.objectContaining({ code: 'CORRUPT', message: expect.stringContaining('cut.parquet') }));
    // A footer that ends inside a field.
    const short = bytes.slice();
    new DataView(short.buffer).setUint32(short.byteLength - 8, 3, true);
    expect(() => parquetRowGroupRows(short, 'short.parquet')).toThrow(expect.objectContaining({ code: 'CORRUPT', message: expect.stringContaining('short.parquet') }));
    expect(() => parquetRowGroupRows(new TextEncoder().encode('not parquet at all'), 'text.parquet')).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
  });
});
