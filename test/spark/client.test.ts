import { afterEach, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, STREAM_WINDOW_BYTES } from '../../src/spark/client.js';
import { SparkSession } from '../../src/spark/session.js';
import { FakeSparkConnect } from '../fakes/spark/server.js';
import { scriptedResults } from '../fakes/spark/results.js';

const fakes: FakeSparkConnect[] = [];
const sessions: SparkSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop().catch(() => undefined)));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

describe('SparkConnectClient HTTP/2 flow control (in-process server)', () => {
  it('offers the server wide stream and connection windows and large frames, so results stream without waiting on 64 KiB windows', async () => {
    const fake = await FakeSparkConnect.start(scriptedResults({ batches: 3, rowsPerBatch: 4 }));
    fakes.push(fake);
    const spark = await SparkSession.builder().remote(fake.url).create();
    sessions.push(spark);
    let rows = 0;
    for await (const batch of spark.range(0).toArrowBatches()) rows += batch.numRows;
    expect(rows).toBe(12);
    const [peer, ...others] = fake.clientFlowControl();
    expect(others).toHaveLength(0);
    expect(STREAM_WINDOW_BYTES).toBeGreaterThan(65_535);
    expect(peer!.initialWindowSize).toBe(STREAM_WINDOW_BYTES);
    expect(peer!.maxFrameSize).toBe(MAX_FRAME_BYTES);
    // Node's default connection window is 64 KiB; the client widened it to twice the stream window
    // (less what the server has sent and the client not yet acknowledged).
    expect(peer!.connectionWindow).toBeGreaterThan(STREAM_WINDOW_BYTES);
    expect(peer!.connectionWindow).toBeLessThanOrEqual(2 * STREAM_WINDOW_BYTES);
  });
});
