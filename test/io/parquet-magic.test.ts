import { describe, expect, it } from 'vitest';
import * as arrow from 'apache-arrow';
import { checkParquetMagic } from '../../src/io/parquet-magic.js';
import { openParquetBytes, parquetToTable, tableToParquet } from '../../src/io/parquet.js';

const GOOD = tableToParquet(new arrow.Table({ x: arrow.vectorFromArray([1, 2, 3], new arrow.Int32()) }));

describe('checkParquetMagic', () => {
  const PAR1 = new Uint8Array([0x50, 0x41, 0x52, 0x31]);

  it('accepts PAR1 at both ends', () => {
    expect(() => checkParquetMagic(PAR1, PAR1, 100, 'f.parquet')).not.toThrow();
  });

  it('names the file, the end that is wrong and the bytes found', () => {
    expect(() => checkParquetMagic(new Uint8Array([1, 2, 3, 4]), PAR1, 100, 'f.parquet')).toThrow(
      expect.objectContaining({ code: 'CORRUPT', message: 'f.parquet is not a Parquet file: expected the magic bytes 50 41 52 31 ("PAR1") at its start, found 01 02 03 04' }),
    );
    expect(() => checkParquetMagic(PAR1, new Uint8Array([0x50, 0x41, 0x52, 0x32]), 100, 'g.parquet')).toThrow(/g\.parquet .* at its end, found 50 41 52 32/);
  });

  it('refuses a file too small to hold a header and a footer', () => {
    expect(() => checkParquetMagic(PAR1, PAR1, 8, 'tiny.parquet')).toThrow(/tiny\.parquet is not a Parquet file: it has 8 bytes, fewer than the 12/);
  });
});

describe('Parquet readers check the magic at both ends', () => {
  const badHead = Uint8Array.from(GOOD, (byte, i) => (i === 0 ? 0 : byte));
  const badTail = Uint8Array.from(GOOD, (byte, i) => (i === GOOD.length - 1 ? 0 : byte));

  it('reads an intact file', async () => {
    expect(parquetToTable(GOOD).numRows).toBe(3);
    const source = await openParquetBytes(GOOD, 'good.parquet');
    expect(source.rows).toBe(3);
    await source.close();
  });

  it('refuses a damaged head even though the footer is intact, both whole and by ranges', async () => {
    expect(() => parquetToTable(badHead, { source: 'head.parquet' })).toThrow(/head\.parquet is not a Parquet file: .* at its start/);
    await expect(openParquetBytes(badHead, 'head.parquet')).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('at its start') });
  });

  it('refuses a damaged tail', async () => {
    await expect(openParquetBytes(badTail, 'tail.parquet')).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('at its end') });
  });
});
