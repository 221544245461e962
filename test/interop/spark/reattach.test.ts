import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparkSession } from '../../../src/spark/index.js';
import { startSparkConnect, type SparkConnectServer } from '../helpers/spark-connect.js';

// A server that ends every result stream after 200 ms or 2 MiB, so a long result needs many reattaches.
let server: SparkConnectServer;
let spark: SparkSession;

beforeAll(async () => {
  server = await startSparkConnect({
    conf: {
      'spark.connect.execute.reattachable.senderMaxStreamDuration': '200ms',
      'spark.connect.execute.reattachable.senderMaxStreamSize': '2m',
    },
  });
  spark = await SparkSession.builder().remote(server.url).getOrCreate();
});

afterAll(async () => {
  await spark?.stop();
  await server?.stop();
});

describe('reattachable execution on a real server', () => {
  it('streams 10M rows through many reattaches: every row arrives exactly once, in order', async () => {
    const n = 10_000_000;
    let reattaches = 0;
    let rows = 0;
    let sum = 0n;
    let next = 0n;
    let inOrder = true;
    for await (const batch of spark.range(n).toArrowBatches({ onStream: (kind) => void (kind === 'reattach' && reattaches++) })) {
      const ids = batch.getChild('id')!.toArray() as BigInt64Array;
      rows += ids.length;
      for (const id of ids) {
        if (id !== next) inOrder = false;
        next = id + 1n;
        sum += id;
      }
    }
    expect(rows).toBe(n);
    expect(inOrder).toBe(true);
    expect(sum).toBe((BigInt(n) * BigInt(n - 1)) / 2n);
    expect(reattaches).toBeGreaterThan(5);
  });
});
