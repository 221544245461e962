import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors.js';
import { openWasmParquetFile, openWasmParquetRanges, streamWasmBatches, type ReadRange, type WasmParquetFile } from '../../src/io/parquet-file.js';
import { parquetWithRowGroups, rowGroupExtents } from '../helpers/row-groups.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const ROWS = 4000;
const ROWS_PER_GROUP = 1000;

function sample(): Uint8Array {
  const column = (scale: number) => arrow.makeVector(Float64Array.from({ length: ROWS }, (_, i) => i * scale));
  return parquetWithRowGroups(new arrow.Table({ a: column(1), b: column(2), c: column(3) }), ROWS_PER_GROUP);
}

/** Serves `bytes` as a ranged reader, recording each range asked for. */
function recordingReader(bytes: Uint8Array): { read: ReadRange; reads: [number, number][] } {
  const reads: [number, number][] = [];
  return {
    reads,
    read: async (start, end) => {
      reads.push([start, end]);
      return bytes.subarray(start, end);
    },
  };
}

async function columnValues(file: WasmParquetFile, column: string): Promise<number[]> {
  const values: number[] = [];
  for await (const batch of streamWasmBatches(file, { columns: [column], batchSize: 700 })) {
    values.push(...(arrow.tableFromIPC(batch.intoIPCStream()).getChild(column)!.toArray() as Float64Array));
  }
  return values;
}

describe('openWasmParquetRanges', () => {
  it('reads only the footer when opened, then ranges within one row group each, of the columns asked for', async () => {
    const bytes = sample();
    const groups = rowGroupExtents(bytes);
    expect(groups).toHaveLength(ROWS / ROWS_PER_GROUP);
    const dataEnd = groups.at(-1)!.end;
    const { read, reads } = recordingReader(bytes);
    const file = await openWasmParquetRanges(bytes.byteLength, read, 'mem.parquet');
    try {
      // Opening reads the leading magic bytes [0, 4) and the footer; nothing of the row groups.
      expect(reads).toContainEqual([0, 4]);
      for (const [start, end] of reads.splice(0)) expect(start >= dataEnd || (start === 0 && end === 4), `read [${start}, ${end})`).toBe(true);
      expect(await columnValues(file, 'c')).toEqual(Array.from({ length: ROWS }, (_, i) => i * 3));
      expect(reads.length).toBeGreaterThanOrEqual(groups.length);
      for (const [start, end] of reads) expect(groups.some((group) => start >= group.start && end <= group.end)).toBe(true);
      // Only column c was asked for: a and b (two thirds of each row group) were never read.
      const streamed = reads.reduce((sum, [start, end]) => sum + end - start, 0);
      expect(streamed).toBeLessThan(groups.reduce((sum, group) => sum + group.end - group.start, 0) / 2);
    } finally {
      await file.close();
    }
  });

  it('gives a failed read its own error, at open or part way through a stream, where parquet-wasm would panic and end the process', async () => {
    const bytes = sample();
    const dataEnd = rowGroupExtents(bytes).at(-1)!.end;
    const unavailable = new MlopsError('HTTP', 'Databricks GET /api/2.0/fs/files/Volumes/c/s/v/remote.parquet failed with 503');
    let released = 0;
    const failing: ReadRange = async () => {
      throw unavailable;
    };
    await expect(openWasmParquetRanges(bytes.byteLength, failing, 'remote.parquet', async () => void released++)).rejects.toBe(unavailable);
    expect(released).toBe(1);

    // The footer reads succeed; the first row group's fails with an error that is not an MlopsError.
    const { read } = recordingReader(bytes);
    const failsInData: ReadRange = async (start, end) => {
      if (start >= 4 && start < dataEnd) throw new Error('socket hang up');
      return read(start, end);
    };
    const file = await openWasmParquetRanges(bytes.byteLength, failsInData, 'remote.parquet', async () => void released++);
    await expect(columnValues(file, 'a')).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/^Cannot read bytes \[\d+, \d+\) of remote\.parquet: socket hang up$/) });
    // The file is spoiled from then on, and says so at once.
    await expect(columnValues(file, 'b')).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining('socket hang up') });
    await file.close();
    expect(released).toBe(2);

    // parquet-wasm itself is unharmed: another file reads to the end.
    const healthy = await openWasmParquetRanges(bytes.byteLength, recordingReader(bytes).read, 'healthy.parquet');
    expect(await columnValues(healthy, 'b')).toHaveLength(ROWS);
    await healthy.close();
  });

  it('says the file changed when a read comes back short, naming the file and the range', async () => {
    const bytes = sample();
    const dataEnd = rowGroupExtents(bytes).at(-1)!.end;
    const shrinking: ReadRange = async (start, end) => (start >= 4 && start < dataEnd ? bytes.subarray(start, start + 1) : bytes.subarray(start, end));
    const file = await openWasmParquetRanges(bytes.byteLength, shrinking, 'shrinking.parquet');
    await expect(columnValues(file, 'a')).rejects.toMatchObject({
      code: 'IO',
      message: expect.stringMatching(/^Cannot read bytes \[\d+, \d+\) of shrinking\.parquet: expected \d+ bytes, got 1 \(did the file change after it was opened at \d+ bytes\?\)$/),
    });
    await file.close();
  });

  it('says CORRUPT, naming the file, for bytes that are not Parquet', async () => {
    const junk = new TextEncoder().encode('not a parquet file at all');
    await expect(openWasmParquetRanges(junk.byteLength, recordingReader(junk).read, 'junk.parquet')).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('junk.parquet') });
  });
});

describe('openWasmParquetFile', () => {
  it('fails with IO naming the file, instead of ending the process, when the file is cut short while open', async () => {
    const path = join(await tempDir(), 'cut.parquet');
    await writeFile(path, sample());
    const file = await openWasmParquetFile(path, '/Volumes/c/s/v/cut.parquet');
    await truncate(path, 100);
    await expect(columnValues(file, 'a')).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining('/Volumes/c/s/v/cut.parquet') });
    await file.close();
  });
});
