import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { openParquetFile, tableToParquet } from '../../../src/io/parquet.js';
import { ParquetReadAhead, type ReadAheadFile } from '../../../src/io/workers/parquet-read-ahead.js';
import { rejectedMlopsError } from '../../helpers/errors.js';
import { parquetWithRowGroups } from '../../helpers/row-groups.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const COLUMNS = ['x', 'n', 'f'];

/** A file of `rows` rows starting at global row `first`: x (double, every 9th null), n (int32), f (float32), and a string column nobody asks for. */
async function writePart(dir: string, name: string, first: number, rows: number): Promise<string> {
  const at = (r: number) => first + r;
  const table = new arrow.Table({
    x: arrow.vectorFromArray(Array.from({ length: rows }, (_, r) => (at(r) % 9 === 4 ? null : at(r) / 10)), new arrow.Float64()),
    n: arrow.makeVector(Int32Array.from({ length: rows }, (_, r) => at(r) - 7)),
    f: arrow.makeVector(Float32Array.from({ length: rows }, (_, r) => at(r) / 4)),
    label: arrow.vectorFromArray(Array.from({ length: rows }, (_, r) => `row ${at(r)}`), new arrow.Utf8()),
  });
  const path = join(dir, name);
  await writeFile(path, tableToParquet(table));
  return path;
}

async function readAheadFiles(paths: string[]): Promise<ReadAheadFile[]> {
  const files: ReadAheadFile[] = [];
  for (const path of paths) {
    const source = await openParquetFile(path, { name: path });
    files.push({ path, name: `shown:${path}`, schema: source.schema });
    await source.close();
  }
  return files;
}

function rowsOf(batch: arrow.RecordBatch): unknown[][] {
  return Array.from({ length: batch.numRows }, (_, r) => COLUMNS.map((name) => batch.getChild(name)!.get(r)));
}

describe('ParquetReadAhead', () => {
  it('gives the same batches, in file order, as reading each file on this thread', async () => {
    const dir = await tempDir();
    const paths = [await writePart(dir, 'a.parquet', 0, 1000), await writePart(dir, 'empty.parquet', 1000, 0), await writePart(dir, 'b.parquet', 1000, 2500)];
    const files = await readAheadFiles(paths);
    const reader = new ParquetReadAhead(files, { columns: COLUMNS, batchSize: 300, ahead: 3 });
    const seen: { source: string; rows: unknown[][]; types: string[] }[] = [];
    for await (const { batch, source } of reader.batches()) seen.push({ source, rows: rowsOf(batch), types: batch.schema.fields.map((f) => String(f.type)) });

    const expected: { source: string; rows: unknown[][] }[] = [];
    for (const file of files) {
      const source = await openParquetFile(file.path);
      for await (const batch of source.batches({ columns: COLUMNS, batchSize: 300 })) expected.push({ source: file.name, rows: rowsOf(batch) });
      await source.close();
    }
    expect(seen.map(({ source, rows }) => ({ source, rows }))).toEqual(expected);
    expect(seen.reduce((total, batch) => total + batch.rows.length, 0)).toBe(3500);
    expect(seen[0]!.types).toEqual(['Float64', 'Int32', 'Float32']);
    // Nulls survive the trip: row 4 of a.parquet, and row 1003 (b.parquet's 4th).
    expect(seen[0]!.rows[4]![0]).toBeNull();
    expect(seen.flatMap((batch) => batch.rows)[1003]![0]).toBeNull();
    expect(seen.flatMap((batch) => batch.rows)[3499]).toEqual([349.9, 3492, 874.75]);
  });

  it('with deferStart, starts its worker at start() or at the first batch asked for, and never when closed first', async () => {
    const dir = await tempDir();
    const files = await readAheadFiles([await writePart(dir, 'a.parquet', 0, 700)]);
    const expected: unknown[][] = [];
    for await (const { batch } of new ParquetReadAhead(files, { columns: COLUMNS, batchSize: 300 }).batches()) expected.push(...rowsOf(batch));
    expect(expected).toHaveLength(700);

    const started = new ParquetReadAhead(files, { columns: COLUMNS, batchSize: 300, deferStart: true });
    expect(started.started).toBe(false);
    started.start();
    expect(started.started).toBe(true);
    const early: unknown[][] = [];
    for await (const { batch } of started.batches()) early.push(...rowsOf(batch));
    expect(early).toEqual(expected);

    const asked = new ParquetReadAhead(files, { columns: COLUMNS, batchSize: 300, deferStart: true });
    const late: unknown[][] = [];
    for await (const { batch } of asked.batches()) late.push(...rowsOf(batch));
    expect(asked.started).toBe(true);
    expect(late).toEqual(expected);

    const closed = new ParquetReadAhead(files, { columns: COLUMNS, batchSize: 300, deferStart: true });
    await closed.close();
    closed.start();
    expect(closed.started).toBe(false);
  });

  it('skips the rows the caller has already read (skip), keeping the batches that follow them as they were', async () => {
    const dir = await tempDir();
    const paths = [await writePart(dir, 'a.parquet', 0, 1000), await writePart(dir, 'b.parquet', 1000, 700)];
    const files = await readAheadFiles(paths);
    const whole: unknown[][][] = [];
    for await (const { batch } of new ParquetReadAhead(files, { columns: COLUMNS, batchSize: 300 }).batches()) whole.push(rowsOf(batch));
    // The first batch taken elsewhere: the rest come in the same batches.
    const rest: { source: string; rows: unknown[][] }[] = [];
    for await (const { batch, source } of new ParquetReadAhead([{ ...files[0]!, skip: 300 }, files[1]!], { columns: COLUMNS, batchSize: 300 }).batches()) rest.push({ source, rows: rowsOf(batch) });
    expect(rest.map((batch) => batch.rows)).toEqual(whole.slice(1));
    expect(rest[0]!.source).toBe(files[0]!.name);
    // Any number of rows, up to the whole file.
    const odd: unknown[][] = [];
    for await (const { batch } of new ParquetReadAhead([{ ...files[0]!, skip: 999 }, files[1]!], { columns: COLUMNS, batchSize: 300 }).batches()) odd.push(...rowsOf(batch));
    expect(odd).toEqual(whole.flat().slice(999));
    const none: unknown[][] = [];
    for await (const { batch } of new ParquetReadAhead([{ ...files[0]!, skip: 1000 }, files[1]!], { columns: COLUMNS, batchSize: 300 }).batches()) none.push(...rowsOf(batch));
    expect(none).toEqual(whole.flat().slice(1000));

    // Several row groups: only the file's first rows are skipped, not every row group's.
    const grouped = join(dir, 'grouped.parquet');
    const table = new arrow.Table({ x: arrow.makeVector(Float64Array.from({ length: 1000 }, (_, r) => r)), n: arrow.makeVector(Int32Array.from({ length: 1000 }, (_, r) => r)), f: arrow.makeVector(new Float32Array(1000)) });
    await writeFile(grouped, parquetWithRowGroups(table, 400));
    const [groupedFile] = await readAheadFiles([grouped]);
    const groupedWhole: unknown[][][] = [];
    for await (const { batch } of new ParquetReadAhead([groupedFile!], { columns: COLUMNS, batchSize: 300 }).batches()) groupedWhole.push(rowsOf(batch));
    expect(groupedWhole.map((batch) => batch.length)).toEqual([300, 100, 300, 100, 200]);
    const groupedRest: unknown[][][] = [];
    for await (const { batch } of new ParquetReadAhead([{ ...groupedFile!, skip: 300 }], { columns: COLUMNS, batchSize: 300 }).batches()) groupedRest.push(rowsOf(batch));
    expect(groupedRest).toEqual(groupedWhole.slice(1));
  });

  it('decodes no more than `ahead` batches before the consumer takes one', async () => {
    const dir = await tempDir();
    const files = await readAheadFiles([await writePart(dir, 'a.parquet', 0, 5000)]);
    const reader = new ParquetReadAhead(files, { columns: COLUMNS, batchSize: 100, ahead: 2 });
    try {
      const deadline = Date.now() + 10_000;
      while (reader.buffered < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(reader.buffered).toBe(2);
      // Given time, it still does not run ahead: it waits for credit.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(reader.buffered).toBe(2);
      const iterator = reader.batches();
      await iterator.next();
      await iterator.next();
      await iterator.next();
      while (reader.buffered < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(reader.buffered).toBe(2);
      await iterator.return(undefined);
    } finally {
      await reader.close();
    }
  });

  it('reports a file that is not Parquet with the code and the name the caller gave it', async () => {
    const dir = await tempDir();
    const good = await writePart(dir, 'a.parquet', 0, 10);
    const files = await readAheadFiles([good]);
    const broken = join(dir, 'broken.parquet');
    await writeFile(broken, 'PAR1 this is not a Parquet file');
    files.push({ path: broken, name: 'input/broken.parquet', schema: files[0]!.schema });
    const reader = new ParquetReadAhead(files, { columns: COLUMNS, batchSize: 100 });
    const rows: number[] = [];
    const error = await rejectedMlopsError(async () => {
      for await (const { batch } of reader.batches()) rows.push(batch.numRows);
    }, 'CORRUPT');
    expect(rows).toEqual([10]);
    expect(error.message).toContain('input/broken.parquet');
  });

  it('stops its worker when the consumer breaks off, and when the signal aborts', async () => {
    const dir = await tempDir();
    const files = await readAheadFiles([await writePart(dir, 'a.parquet', 0, 3000)]);
    const reader = new ParquetReadAhead(files, { columns: COLUMNS, batchSize: 100 });
    for await (const { batch } of reader.batches()) {
      expect(batch.numRows).toBe(100);
      break;
    }
    // Closed by the break: closing again is a no-op, and iterating again is refused.
    await reader.close();
    await expect(reader.batches().next()).rejects.toMatchObject({ code: 'INTERNAL' });

    const controller = new AbortController();
    const aborted = new ParquetReadAhead(files, { columns: COLUMNS, batchSize: 100, signal: controller.signal });
    let taken = 0;
    await rejectedMlopsError(async () => {
      for await (const _ of aborted.batches()) if (++taken === 2) controller.abort();
    }, 'ABORTED');
    expect(taken).toBe(2);
  });

  it('does not keep the process alive once nobody waits for a batch, even if never closed', async () => {
    const dir = await tempDir();
    const file = await writePart(dir, 'a.parquet', 0, 5000);
    const module = fileURLToPath(new URL('../../../dist/io/workers/parquet-read-ahead.js', import.meta.url));
    const parquet = fileURLToPath(new URL('../../../dist/io/parquet.js', import.meta.url));
    // A script that takes one batch and forgets the reader: it must end by itself.
    const script = `
      const { ParquetReadAhead } = await import(${JSON.stringify(module)});
      const { openParquetFile } = await import(${JSON.stringify(parquet)});
      const source = await openParquetFile(${JSON.stringify(file)});
      const reader = new ParquetReadAhead([{ path: ${JSON.stringify(file)}, name: 'a', schema: source.schema }], { columns: ['x'], batchSize: 100 });
      await source.close();
      const first = await reader.batches().next();
      console.log(first.value.batch.numRows);
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    expect(stdout.trim()).toBe('100');
  });
});
