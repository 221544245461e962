import { describe, expect, it } from 'vitest';
import { SparkSession } from '../../src/spark/session.js';
import { FakeSparkConnect } from '../fakes/spark/server.js';
import { scriptedResults } from '../fakes/spark/results.js';

describe('SparkSession.builder()', () => {
  it('without remote() or SPARK_REMOTE says how to name a server', async () => {
    await expect(SparkSession.builder().getOrCreate({ env: {} })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('SPARK_REMOTE') });
  });

  it('a bad SPARK_REMOTE is reported without its token', async () => {
    const error = await SparkSession.builder().create({ env: { SPARK_REMOTE: 'http://h/;token=abc' } }).catch((e: Error) => e);
    expect((error as Error).message).toContain('must start with sc://');
    expect((error as Error).message).not.toContain('abc');
  });

  it('a server that is not there fails with UNAVAILABLE after the retries', async () => {
    const policy = { maxRetries: 2, initialBackoffMs: 1, multiplier: 1, maxBackoffMs: 1, jitterMs: 0, jitterThresholdMs: 1e9 };
    await expect(SparkSession.builder().remote('sc://127.0.0.1:1').retryPolicy(policy).create()).rejects.toMatchObject({ name: 'SparkConnectError', grpcCodeName: 'Unavailable' });
  });

  it('a connection that cannot be opened fails after a few quick retries, naming the URL, whatever the policy allows', async () => {
    const policy = { maxRetries: 15, initialBackoffMs: 1, multiplier: 2, maxBackoffMs: 60_000, jitterMs: 0, jitterThresholdMs: 1e9 };
    const failure = SparkSession.builder().remote('sc://127.0.0.1:1/;token=secret-token').retryPolicy(policy).create();
    await expect(failure).rejects.toMatchObject({ name: 'SparkConnectError', grpcCodeName: 'Unavailable' });
    const error = (await failure.catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^Cannot connect to the Spark Connect server at sc:\/\/127\.0\.0\.1:1\/;token=\S+: connect ECONNREFUSED 127\.0\.0\.1:1 \(4 attempts\)/);
    expect(error.message).not.toContain('secret-token');
  });
});

describe('joining a session (attach) and interrupting by tag', () => {
  it('sends the joined session id and user on every call, and Interrupt by tag with the tag', async () => {
    const fake = await FakeSparkConnect.start(scriptedResults({ batches: 1, rowsPerBatch: 1 }));
    try {
      const sessionId = '0f5e3b0a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
      const spark = await SparkSession.builder().remote(fake.url).attach({ sessionId, userId: 'writer' }).create();
      expect(spark.sessionId).toBe(sessionId);
      await spark.interruptTag('mlops-ingest-abc');
      const [call] = fake.callsOf('interrupt');
      expect(call!.request).toMatchObject({ sessionId, userContext: { userId: 'writer' }, interruptType: 2, interrupt: { case: 'operationTag', value: 'mlops-ingest-abc' } });
      await spark.stop();
      expect(fake.callsOf('releaseSession').map((c) => (c.request as { sessionId: string }).sessionId)).toEqual([sessionId]);
    } finally {
      await fake.close();
    }
  });
});
