import { describe, expect, it } from 'vitest';
import { StatementExecutor } from '../../../src/workspace/databricks/statements.js';
import { patClient, recordingSleep, useFakeDatabricks } from '../../fakes/databricks/helpers.js';
import type { FakeDatabricks } from '../../fakes/databricks/server.js';

function executor(fake: FakeDatabricks, sleep?: (ms: number) => Promise<void>): StatementExecutor {
  const { client, storage } = patClient(fake, sleep);
  return new StatementExecutor({ client, storage, warehouseId: fake.warehouseId, ...(sleep ? { sleep } : {}), pollIntervalMs: 100 });
}

describe('StatementExecutor', () => {
  const startFake = useFakeDatabricks();

  it('polls a statement through PENDING and RUNNING to SUCCEEDED with growing waits', async () => {
    const fake = await startFake();
    const { sleep, waits } = recordingSleep();
    fake.sql.script(/SELECT 42/, { pendingPolls: 2, runningPolls: 2 });
    const table = await executor(fake, sleep).query('SELECT 42 AS answer');
    expect(table.getChild('answer')?.get(0)).toBe(42);
    expect(waits).toEqual([100, 200, 400, 800, 1600]);
    const post = fake.requests.find((r) => r.method === 'POST' && r.path === '/api/2.0/sql/statements')!;
    expect(JSON.parse(new TextDecoder().decode(post.body))).toMatchObject({ warehouse_id: fake.warehouseId, wait_timeout: '10s', on_wait_timeout: 'CONTINUE', disposition: 'INLINE', format: 'JSON_ARRAY' });
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/api/2.0/sql/statements/'))).toHaveLength(5);
  });

  it('turns FAILED into a typed error that names the statement and the warehouse', async () => {
    const fake = await startFake();
    const { sleep } = recordingSleep();
    const error = (await executor(fake, sleep).execute('SELECT * FROM cat.sch.missing').catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toMatch(/SQL statement \w+ failed on warehouse 0123456789abcdef: \[TABLE_OR_VIEW_NOT_FOUND\].*\(statement: SELECT \* FROM cat\.sch\.missing\)/);

    fake.sql.script(/boom/, { runningPolls: 1, fail: { message: '[DIVIDE_BY_ZERO] Division by zero.' } });
    await expect(executor(fake, sleep).execute("SELECT 'boom'")).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/DIVIDE_BY_ZERO/) });
  });

  it('cancels the statement when the caller aborts while it runs', async () => {
    const fake = await startFake();
    fake.sql.script(/long_running/, { runningPolls: 1000 });
    const controller = new AbortController();
    const run = executor(fake).execute("SELECT 'long_running'", { signal: controller.signal });
    setTimeout(() => controller.abort(), 150);
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
    expect(fake.sql.cancelRequests).toBe(1);
    expect([...fake.sql.statements.values()].at(-1)!.state).toBe('CANCELED');
  });

  it('reads INLINE JSON_ARRAY results across chunks into typed Arrow columns', async () => {
    const fake = await startFake();
    fake.sql.rowsPerChunk = 4;
    const table = await executor(fake).query(
      "SELECT i::BIGINT AS id, (i * 0.5)::DOUBLE AS half, 'r' || i AS label, i % 2 = 0 AS even, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i) AS ts FROM range(10) t(i)",
      { waitTimeoutSeconds: 0 },
    );
    expect(table.numRows).toBe(10);
    expect(String(table.schema.fields.map((f) => f.type))).toBe('Int64,Float64,Utf8,Bool,Timestamp<MICROSECOND, Etc/UTC>');
    expect(table.getChild('id')?.get(9)).toBe(9n);
    expect(table.getChild('half')?.get(3)).toBe(1.5);
    expect(table.getChild('label')?.get(7)).toBe('r7');
    expect(table.getChild('even')?.get(4)).toBe(true);
    expect(table.getChild('ts')?.get(2)).toBe(Date.UTC(2024, 0, 1) + 2000);
    const chunkCalls = fake.requests.filter((r) => /\/result\/chunks\/\d+$/.test(r.path));
    expect(chunkCalls.map((r) => r.path.split('/').at(-1))).toEqual(['1', '2']);
  });

  it('reads EXTERNAL_LINKS ARROW_STREAM chunks from storage without the Authorization header', async () => {
    const fake = await startFake();
    fake.sql.rowsPerChunk = 3;
    const table = await executor(fake).query('SELECT i::INTEGER AS n FROM range(7) t(i) ORDER BY n', { disposition: 'EXTERNAL_LINKS', format: 'ARROW_STREAM' });
    expect(table.getChild('n')?.toArray()).toEqual(Int32Array.from([0, 1, 2, 3, 4, 5, 6]));
    const downloads = fake.cloudRequests().filter((r) => r.path.startsWith('/_s3/results/'));
    expect(downloads).toHaveLength(3);
    for (const download of downloads) {
      expect(download.headers.authorization).toBeUndefined();
      expect(download.headers['x-amz-server-side-encryption-customer-algorithm']).toBe('AES256');
    }
  });

  it('refreshes an external link that has expired', async () => {
    const fake = await startFake();
    fake.cloud.expireNext(1);
    const table = await executor(fake).query('SELECT 1 AS one', { disposition: 'EXTERNAL_LINKS' });
    expect(table.numRows).toBe(1);
    expect(fake.requests.filter((r) => r.path.endsWith('/result/chunks/0'))).toHaveLength(1);
  });

  it('rejects a wait timeout the API does not accept before sending anything', async () => {
    const fake = await startFake();
    await expect(executor(fake).execute('SELECT 1', { waitTimeoutSeconds: 3 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(fake.requests).toHaveLength(0);
  });
});
