import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { StatementExecutor } from '../../../src/workspace/databricks/statements.js';
import { DatabricksTableStore } from '../../../src/workspace/databricks/tables.js';
import { DatabricksVolumeStore } from '../../../src/workspace/databricks/volumes.js';
import { patClient, useFakeDatabricks } from '../../fakes/databricks/helpers.js';
import type { FakeDatabricks } from '../../fakes/databricks/server.js';

function stores(fake: FakeDatabricks, rowsPerPart?: number) {
  const { client, storage } = patClient(fake);
  const statements = new StatementExecutor({ client, storage, warehouseId: fake.warehouseId, pollIntervalMs: 20 });
  const volumes = new DatabricksVolumeStore({ client, storage });
  return { tables: new DatabricksTableStore({ client, statements, volumes, ...(rowsPerPart ? { rowsPerPart } : {}) }), volumes };
}

function batch(ids: number[], names: string[]): arrow.RecordBatch {
  return arrow.tableFromArrays({ id: Float64Array.from(ids), name: names }).batches[0]!;
}

async function rowsOf(iterable: AsyncIterable<arrow.RecordBatch>): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const b of iterable) for (const row of new arrow.Table(b)) rows.push(row.toJSON());
  return rows;
}

describe('DatabricksTableStore (SQL warehouse)', () => {
  const startFake = useFakeDatabricks();

  it('creates a table from staged Parquet with read_files, then reads it back through Arrow', async () => {
    const fake = await startFake();
    const { tables, volumes } = stores(fake, 2);
    const info = await tables.write('Main.Iris.Scores', [batch([1, 2], ['a', 'b']), batch([3], ['c'])], { mode: 'overwrite' });
    expect(info).toMatchObject({ name: 'main.iris.scores', rows: 3 });
    expect(info.location).toMatch(/^abfss:\/\//);
    expect(info.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['id:Float64', 'name:Utf8']);
    expect(await rowsOf(tables.read('main.iris.scores'))).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
      { id: 3, name: 'c' },
    ]);
    const create = fake.sql.submitted.find((sql) => sql.startsWith('CREATE OR REPLACE TABLE'))!;
    expect(create).toMatch(/^CREATE OR REPLACE TABLE `main`\.`iris`\.`scores` AS SELECT `id`, `name` FROM read_files\('\/Volumes\/main\/iris\/mlops_staging\/scores-[0-9a-f-]+', format => 'parquet'\)$/);
    expect(fake.sql.submitted[0]).toBe('CREATE VOLUME IF NOT EXISTS `main`.`iris`.`mlops_staging`');
    // Two staged parts (rowsPerPart 2), removed after the load.
    const staged = fake.requests.filter((r) => r.method === 'PUT' && r.path.includes('/mlops_staging/'));
    expect(staged).toHaveLength(2);
    expect([...(await collectPaths(volumes.list('/Volumes/main/iris/mlops_staging')))]).toEqual([]);
  });

  it('appends in one INSERT and refuses batches whose columns differ from the table', async () => {
    const fake = await startFake();
    const { tables } = stores(fake);
    await tables.write('main.iris.t', [batch([1], ['a'])]);
    await tables.write('main.iris.t', [batch([2], ['b'])], { mode: 'append' });
    expect((await rowsOf(tables.read('main.iris.t'))).map((r) => r.id)).toEqual([1, 2]);
    expect(fake.sql.submitted.some((sql) => sql.startsWith('INSERT INTO `main`.`iris`.`t` SELECT'))).toBe(true);

    const wrong = arrow.tableFromArrays({ id: Float64Array.from([3]), other: Int32Array.from([1]) }).batches[0]!;
    const error = (await tables.write('main.iris.t', [wrong], { mode: 'append' }).catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('SCHEMA_MISMATCH');
    expect(error.message).toMatch(/missing name; unexpected other/);
    expect((await rowsOf(tables.read('main.iris.t'))).length).toBe(2);
  });

  it('overwrites with no batches to an empty table that keeps its columns', async () => {
    const fake = await startFake();
    const { tables } = stores(fake);
    await tables.write('main.iris.t', [batch([1], ['a'])]);
    const info = await tables.write('main.iris.t', [], { mode: 'overwrite' });
    expect(info.rows).toBe(0);
    expect(info.schema.fields.map((f) => f.name)).toEqual(['id', 'name']);
    expect(await rowsOf(tables.read('main.iris.t'))).toEqual([]);
    await expect(tables.write('main.iris.none', [])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('answers exists / describe / drop through Unity Catalog', async () => {
    const fake = await startFake();
    const { tables } = stores(fake);
    expect(await tables.exists('main.iris.t')).toBe(false);
    await expect(tables.describe('main.iris.t')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await tables.write('main.iris.t', [batch([1], ['a'])]);
    expect(await tables.exists('main.iris.t')).toBe(true);
    await tables.drop('main.iris.t');
    expect(await tables.exists('main.iris.t')).toBe(false);
    await tables.drop('main.iris.t');
    await expect(rowsOf(tables.read('main.iris.t'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(fake.requests.some((r) => r.path === '/api/2.1/unity-catalog/tables/main.iris.t/exists')).toBe(true);
  });

  it('cleans the staged files up even when the load fails', async () => {
    const fake = await startFake();
    const { tables, volumes } = stores(fake);
    fake.sql.script(/^CREATE OR REPLACE TABLE/, { fail: { message: '[INSUFFICIENT_PERMISSIONS] User does not have MODIFY on Table main.iris.t.' } });
    await expect(tables.write('main.iris.t', [batch([1], ['a'])], { mode: 'overwrite' })).rejects.toThrow(/INSUFFICIENT_PERMISSIONS/);
    expect(await collectPaths(volumes.list('/Volumes/main/iris/mlops_staging'))).toEqual([]);
  });
});

async function collectPaths(iterable: AsyncIterable<{ path: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of iterable) out.push(entry.path);
  return out;
}
