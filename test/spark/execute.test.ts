import { afterEach, describe, expect, it } from 'vitest';
import { SparkSession } from '../../src/spark/session.js';
import type { SparkRetryPolicy } from '../../src/spark/retry-policy.js';
import { FakeSparkConnect } from '../fakes/spark/server.js';
import { scriptedResults, type ScriptedResultOptions } from '../fakes/spark/results.js';

const FAST_RETRY: SparkRetryPolicy = { maxRetries: 3, initialBackoffMs: 1, multiplier: 1, maxBackoffMs: 1, jitterMs: 0, jitterThresholdMs: 1e9 };

const fakes: FakeSparkConnect[] = [];
const sessions: SparkSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop().catch(() => undefined)));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function setup(options: ScriptedResultOptions): Promise<{ fake: FakeSparkConnect; spark: SparkSession }> {
  const fake = await FakeSparkConnect.start(scriptedResults(options));
  fakes.push(fake);
  const spark = await SparkSession.builder().remote(fake.url).retryPolicy(FAST_RETRY).create();
  sessions.push(spark);
  return { fake, spark };
}

async function ids(spark: SparkSession, signal?: AbortSignal): Promise<bigint[]> {
  const out: bigint[] = [];
  for await (const batch of spark.range(0).toArrowBatches(signal ? { signal } : {})) {
    for (const id of batch.getChild('id')!.toArray() as BigInt64Array) out.push(id);
  }
  return out;
}

const expected = (n: number): bigint[] => Array.from({ length: n }, (_, i) => BigInt(i));

describe('reattachable execution (in-process server)', () => {
  it('reattaches from the last response id when a stream ends without ResultComplete, and releases the operation', async () => {
    const { fake, spark } = await setup({ batches: 7, rowsPerBatch: 10, streamLimit: 3 });
    expect(await ids(spark)).toEqual(expected(70));
    const execute = fake.callsOf('executePlan');
    expect(execute).toHaveLength(1);
    const request = execute[0]!.request as { operationId: string; requestOptions: { requestOption: { case: string; value: { reattachable: boolean } } }[] };
    expect(request.operationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.requestOptions[0]!.requestOption.value.reattachable).toBe(true);
    const reattaches = fake.callsOf('reattachExecute').map((c) => (c.request as { lastResponseId?: string; operationId: string }));
    expect(reattaches.map((r) => r.lastResponseId)).toEqual([`${request.operationId}-r2`, `${request.operationId}-r5`]);
    expect(reattaches.every((r) => r.operationId === request.operationId)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const releases = fake.callsOf('releaseExecute').map((c) => (c.request as { release: { case: string } }).release.case);
    expect(releases).toContain('releaseAll');
  });

  it('survives a connection cut mid-stream: reattaches, every row once', async () => {
    const { fake, spark } = await setup({ batches: 6, rowsPerBatch: 5, cutAfter: 2 });
    expect(await ids(spark)).toEqual(expected(30));
    expect(fake.callsOf('reattachExecute').length).toBeGreaterThanOrEqual(1);
  });

  it('retries UNAVAILABLE with backoff; an operation the server never saw is sent again', async () => {
    const { fake, spark } = await setup({ batches: 2, rowsPerBatch: 3, unavailableFirst: 2 });
    expect(await ids(spark)).toEqual(expected(6));
    // Two refusals (each followed by a reattach that finds no operation), then the real execution.
    expect(fake.callsOf('executePlan')).toHaveLength(3);
    const operationIds = new Set(fake.callsOf('executePlan').map((c) => (c.request as { operationId: string }).operationId));
    expect(operationIds.size).toBe(1);
  });

  it('gives up after maxRetries and says UNAVAILABLE', async () => {
    const { spark } = await setup({ batches: 1, rowsPerBatch: 1, unavailableFirst: 100 });
    await expect(ids(spark)).rejects.toMatchObject({ name: 'SparkConnectError', grpcCodeName: 'Unavailable' });
  });

  it('an abort stops the stream, throws ABORTED and interrupts the operation on the server', async () => {
    const { fake, spark } = await setup({ batches: 1, rowsPerBatch: 1, endless: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(ids(spark, controller.signal)).rejects.toMatchObject({ code: 'ABORTED' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const operationId = (fake.callsOf('executePlan')[0]!.request as { operationId: string }).operationId;
    const interrupted = fake.callsOf('interrupt').map((c) => (c.request as { interrupt: { value: string } }).interrupt.value);
    expect(interrupted).toEqual([operationId]);
  });

  it('stop() releases the server-side session', async () => {
    const { fake, spark } = await setup({ batches: 1, rowsPerBatch: 1 });
    await spark.stop();
    const released = fake.callsOf('releaseSession').map((c) => (c.request as { sessionId: string }).sessionId);
    expect(released).toEqual([spark.sessionId]);
    await expect(spark.range(3).count()).rejects.toThrow('was stopped');
  });
});
