import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { PARQUET_CREATED_BY } from '../../../src/io/parquet-encode.js';
import { LocalTableStore, SMALL_PART_ROWS, TABLE_MANIFEST_FILE } from '../../../src/workspace/local/tables.js';
import { rejectedMlopsError } from '../../helpers/errors.js';
import { readParquetFile } from '../../helpers/read-parquet.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

function batch(ids: number[], label = 'x'): arrow.RecordBatch {
  const table = new arrow.Table({
    id: arrow.vectorFromArray(Int32Array.from(ids)),
    label: arrow.vectorFromArray(ids.map((id) => `${label}${id}`), new arrow.Utf8()),
  });
  const [only] = table.batches;
  if (only === undefined) throw new Error('no batch');
  return only;
}

async function rowsOf(store: LocalTableStore, name: string): Promise<{ id: number; label: string }[]> {
  const rows: { id: number; label: string }[] = [];
  for await (const b of store.read(name)) {
    for (const row of new arrow.Table([b])) rows.push({ id: row.id as number, label: row.label as string });
  }
  return rows;
}

function* throwsOnSecondBatch(): Generator<arrow.RecordBatch> {
  yield batch([100, 101]);
  throw new Error('source failed mid-stream');
}

describe('LocalTableStore', () => {
  it('creates a table as Parquet parts plus a manifest under <root>/tables/<cat>/<schema>/<tbl>', async () => {
    const root = await tempDir();
    const tables = new LocalTableStore({ root });
    const info = await tables.write('Main.Iris.Preds', [batch([1, 2]), batch([3])], { mode: 'overwrite' });
    expect(info).toMatchObject({ name: 'main.iris.preds', rows: 3, location: path.join(root, 'tables', 'main', 'iris', 'preds') });
    const files = await readdir(info.location);
    expect(files).toContain(TABLE_MANIFEST_FILE);
    const parts = files.filter((file) => file.endsWith('.parquet'));
    expect(parts).toHaveLength(1);
    // Independent reader: the part file is ordinary Parquet.
    expect(await readParquetFile(path.join(info.location, parts[0] ?? ''))).toEqual([
      { id: 1, label: 'x1' },
      { id: 2, label: 'x2' },
      { id: 3, label: 'x3' },
    ]);
    expect(await tables.exists('main.iris.preds')).toBe(true);
    expect(await rowsOf(tables, 'main.iris.preds')).toEqual([
      { id: 1, label: 'x1' },
      { id: 2, label: 'x2' },
      { id: 3, label: 'x3' },
    ]);
  });

  it('writes small parts with our Parquet encoder, big ones and other column types with parquet-wasm', async () => {
    const root = await tempDir();
    const tables = new LocalTableStore({ root });
    const partBytes = async (name: string): Promise<Buffer> => {
      const location = tables.localPath(name);
      const [part] = (await readdir(location)).filter((file) => file.endsWith('.parquet'));
      return readFile(path.join(location, part ?? ''));
    };
    await tables.write('c.s.small', [batch([1, 2])], { mode: 'overwrite' });
    expect((await partBytes('c.s.small')).includes(PARQUET_CREATED_BY)).toBe(true);
    const ids = arrow.vectorFromArray(Int32Array.from({ length: SMALL_PART_ROWS + 1 }, (_, i) => i));
    await tables.write('c.s.big', new arrow.Table({ id: ids }).batches, { mode: 'overwrite' });
    expect((await partBytes('c.s.big')).includes(PARQUET_CREATED_BY)).toBe(false);
    let bigRows = 0;
    let lastId: unknown;
    for await (const b of tables.read('c.s.big')) {
      bigRows += b.numRows;
      lastId = b.getChild('id')!.get(b.numRows - 1);
    }
    expect([bigRows, lastId]).toEqual([SMALL_PART_ROWS + 1, SMALL_PART_ROWS]);
    const flags = new arrow.Table({ flag: arrow.vectorFromArray([true, false]) }).batches[0]!;
    await tables.write('c.s.flags', [flags], { mode: 'overwrite' });
    expect((await partBytes('c.s.flags')).includes(PARQUET_CREATED_BY)).toBe(false);
    const read: boolean[] = [];
    for await (const b of tables.read('c.s.flags')) read.push(...(b.getChild('flag')!.toArray() as boolean[]));
    expect(read).toEqual([true, false]);
  });

  it('describes the Arrow schema exactly', async () => {
    const tables = new LocalTableStore({ root: await tempDir() });
    await tables.write('c.s.t', [batch([1])]);
    const info = await tables.describe('c.s.t');
    expect(info.name).toBe('c.s.t');
    expect(info.schema.fields.map((field) => `${field.name}:${String(field.type)}`)).toEqual(['id:Int32', 'label:Utf8']);
  });

  it('appends to and overwrites a table, removing the replaced parts', async () => {
    const tables = new LocalTableStore({ root: await tempDir(), rowsPerPart: 2 });
    await tables.write('c.s.t', [batch([1, 2]), batch([3])], { mode: 'overwrite' });
    const appended = await tables.write('c.s.t', [batch([4])], { mode: 'append' });
    expect(appended.rows).toBe(1);
    expect((await rowsOf(tables, 'c.s.t')).map((row) => row.id)).toEqual([1, 2, 3, 4]);
    const location = tables.localPath('c.s.t');
    expect((await readdir(location)).filter((file) => file.endsWith('.parquet'))).toHaveLength(3);

    await tables.write('c.s.t', [batch([9])], { mode: 'overwrite' });
    expect((await rowsOf(tables, 'c.s.t')).map((row) => row.id)).toEqual([9]);
    expect((await readdir(location)).filter((file) => file.endsWith('.parquet'))).toHaveLength(1);
    const manifest = JSON.parse(await readFile(path.join(location, TABLE_MANIFEST_FILE), 'utf8')) as { rows: number; columns: unknown[] };
    expect(manifest.rows).toBe(1);
    expect(manifest.columns).toEqual([
      { name: 'id', type: 'Int32', nullable: false },
      { name: 'label', type: 'Utf8', nullable: true },
    ]);
  });

  it('appends by default and creates the table on the first append', async () => {
    const tables = new LocalTableStore({ root: await tempDir() });
    await tables.write('c.s.t', [batch([1])]);
    await tables.write('c.s.t', [batch([2])]);
    expect((await rowsOf(tables, 'c.s.t')).map((row) => row.id)).toEqual([1, 2]);
  });

  it('rejects an append with other columns as SCHEMA_MISMATCH naming them, leaving the table as it was', async () => {
    const tables = new LocalTableStore({ root: await tempDir() });
    await tables.write('c.s.t', [batch([1])]);
    const other = new arrow.Table({ id: arrow.vectorFromArray([2.5]), extra: arrow.vectorFromArray(['e']) }).batches[0];
    if (other === undefined) throw new Error('no batch');
    const error = await rejectedMlopsError(tables.write('c.s.t', [other], { mode: 'append' }));
    expect(error.code).toBe('SCHEMA_MISMATCH');
    expect(error.message).toContain('c.s.t');
    expect(error.message).toMatch(/missing label/);
    expect(error.message).toMatch(/unexpected extra/);
    expect(error.message).toMatch(/different type id \(Int32 → Float64\)/);
    expect((await rowsOf(tables, 'c.s.t')).map((row) => row.id)).toEqual([1]);
  });

  it('rejects batches of one write that disagree with each other', async () => {
    const tables = new LocalTableStore({ root: await tempDir() });
    const reordered = new arrow.Table({ label: arrow.vectorFromArray(['a'], new arrow.Utf8()), id: arrow.vectorFromArray(Int32Array.of(1)) }).batches[0];
    if (reordered === undefined) throw new Error('no batch');
    const error = await rejectedMlopsError(tables.write('c.s.t', [batch([1]), reordered], { mode: 'overwrite' }));
    expect(error.code).toBe('SCHEMA_MISMATCH');
    expect(error.message).toMatch(/different order/);
    expect(await tables.exists('c.s.t')).toBe(false);
  });

  it('keeps the previous table readable when a write fails part way, and removes the parts it wrote', async () => {
    for (const rowsPerPart of [1, 1_000_000]) {
      const tables = new LocalTableStore({ root: await tempDir(), rowsPerPart });
      await tables.write('c.s.t', [batch([1, 2])], { mode: 'overwrite' });
      const location = tables.localPath('c.s.t');
      const before = (await readdir(location)).sort();
      for (const mode of ['overwrite', 'append'] as const) {
        await expect(tables.write('c.s.t', throwsOnSecondBatch(), { mode })).rejects.toThrow('source failed mid-stream');
        expect((await rowsOf(tables, 'c.s.t')).map((row) => row.id)).toEqual([1, 2]);
        expect((await readdir(location)).sort()).toEqual(before);
      }
    }
  });

  it('ignores part files the manifest does not list (an interrupted write)', async () => {
    const tables = new LocalTableStore({ root: await tempDir() });
    await tables.write('c.s.t', [batch([1])]);
    await writeFile(path.join(tables.localPath('c.s.t'), 'part-00000-orphan.parquet'), 'garbage');
    expect((await rowsOf(tables, 'c.s.t')).map((row) => row.id)).toEqual([1]);
  });

  it('accepts async iterables and widens nullability across appends', async () => {
    const tables = new LocalTableStore({ root: await tempDir() });
    async function* source(): AsyncGenerator<arrow.RecordBatch> {
      yield batch([1]);
    }
    await tables.write('c.s.t', source());
    const nullable = new arrow.Table({
      id: arrow.vectorFromArray([2, null], new arrow.Int32()),
      label: arrow.vectorFromArray(['y', 'z'], new arrow.Utf8()),
    }).batches[0];
    if (nullable === undefined) throw new Error('no batch');
    await tables.write('c.s.t', [nullable]);
    expect((await tables.describe('c.s.t')).schema.fields[0]?.nullable).toBe(true);
    const ids: (number | null)[] = [];
    for await (const b of tables.read('c.s.t')) ids.push(...Array.from(b.getChild('id') ?? [], (v) => v as number | null));
    expect(ids).toEqual([1, 2, null]);
  });

  it('overwriting with no batches empties the table but keeps its schema; creating from none is rejected', async () => {
    const tables = new LocalTableStore({ root: await tempDir() });
    await tables.write('c.s.t', [batch([1])]);
    expect((await tables.write('c.s.t', [], { mode: 'overwrite' })).rows).toBe(0);
    expect(await rowsOf(tables, 'c.s.t')).toEqual([]);
    expect((await tables.describe('c.s.t')).schema.fields.map((f) => f.name)).toEqual(['id', 'label']);
    expect((await rejectedMlopsError(tables.write('c.s.new', []))).code).toBe('INVALID_ARGUMENT');
  });

  it('validates names and reports missing tables as NOT_FOUND', async () => {
    const tables = new LocalTableStore({ root: await tempDir() });
    expect((await rejectedMlopsError(tables.write('just_a_table', [batch([1])]))).code).toBe('INVALID_ARGUMENT');
    expect(() => tables.localPath('a.b')).toThrow(/expected <catalog>\.<schema>\.<table>/);
    const missing = await rejectedMlopsError(tables.describe('c.s.absent'));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('c.s.absent');
    expect((await rejectedMlopsError((async () => { for await (const _ of tables.read('c.s.absent')) void _; })())).code).toBe('NOT_FOUND');
    expect(await tables.exists('c.s.absent')).toBe(false);
  });

  it('drops a table, and dropping an absent table is fine', async () => {
    const tables = new LocalTableStore({ root: await tempDir() });
    await tables.write('c.s.t', [batch([1])]);
    await tables.drop('c.s.t');
    expect(await tables.exists('c.s.t')).toBe(false);
    await tables.drop('c.s.t');
  });

  it('reports a damaged manifest as CORRUPT naming the file', async () => {
    const tables = new LocalTableStore({ root: await tempDir() });
    await tables.write('c.s.t', [batch([1])]);
    const manifest = path.join(tables.localPath('c.s.t'), TABLE_MANIFEST_FILE);
    await writeFile(manifest, '{ not json');
    const error = await rejectedMlopsError(tables.describe('c.s.t'));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toContain(manifest);
  });
});
