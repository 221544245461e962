import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { ExecutePlanResponseSchema } from '../../src/spark/gen/spark/connect/base_pb.js';
import { ExecutePlanResponseReader } from '../../src/spark/response-reader.js';

const SESSION = 'a8e4b1c2-0000-4000-8000-000000000001';
const SERVER_SESSION = 'b9f5c2d3-0000-4000-8000-000000000002';
const OPERATION = 'c0a6d3e4-0000-4000-8000-000000000003';

const bytesOf = (init: MessageInitShape<typeof ExecutePlanResponseSchema>): Uint8Array => toBinary(ExecutePlanResponseSchema, create(ExecutePlanResponseSchema, init));
const batchResponse = (i: number, batch: Record<string, unknown> = {}, ids: Record<string, string> = {}): Uint8Array =>
  bytesOf({
    sessionId: SESSION,
    serverSideSessionId: SERVER_SESSION,
    operationId: OPERATION,
    responseId: `r-${i}`,
    ...ids,
    responseType: { case: 'arrowBatch', value: { rowCount: BigInt(10 * i), data: Uint8Array.from({ length: 40 + i }, (_, k) => (k * 7 + i) % 256), ...batch } },
  });

describe('ExecutePlanResponseReader', () => {
  it('reads ArrowBatch responses by hand exactly as the generated decoder does, with data as a view of the message', () => {
    const reader = new ExecutePlanResponseReader();
    const messages = [
      batchResponse(1),
      batchResponse(2, { startOffset: 10n }),
      batchResponse(3, { startOffset: 20n, chunkIndex: 0n, numChunksInBatch: 2n }),
      batchResponse(4, { rowCount: 0n, data: new Uint8Array(0) }),
      batchResponse(5, { rowCount: 2n ** 40n }),
      // ids that change mid-stream (a new server session) are read anew, not taken from the cache
      batchResponse(6, {}, { serverSideSessionId: 'another-server-session', responseId: 'r-6-x' }),
      batchResponse(7, {}, { sessionId: '', operationId: '' }),
    ];
    for (const bytes of messages) {
      const ours = reader.readArrowBatch(bytes);
      expect(ours).toBeDefined();
      expect(ours).toStrictEqual(fromBinary(ExecutePlanResponseSchema, bytes));
      expect(reader.read(bytes)).toStrictEqual(ours);
      const data = ours!.responseType.case === 'arrowBatch' ? ours!.responseType.value.data : undefined;
      if (data!.byteLength > 0) expect(data!.buffer).toBe(bytes.buffer);
    }
    expect(reader.read(messages[5]!).serverSideSessionId).toBe('another-server-session');
    expect(reader.read(messages[0]!).serverSideSessionId).toBe(SERVER_SESSION);
  });

  it('leaves every other response, and anything it does not read by hand, to the generated decoder', () => {
    const reader = new ExecutePlanResponseReader();
    const withMetrics = bytesOf({
      sessionId: SESSION,
      responseId: 'm',
      responseType: { case: 'arrowBatch', value: { rowCount: 1n, data: Uint8Array.from([1, 2, 3]) } },
      metrics: { metrics: [{ name: 'scan', planId: 3n, parent: 1n }] },
    });
    const unknownField = new Uint8Array([...batchResponse(1), 0xa8, 0x06, 0x01]); // field 101, varint 1
    const twice = new Uint8Array([...batchResponse(1), ...batchResponse(2)]); // repeated fields: the decoder merges them
    const cases = {
      resultComplete: bytesOf({ sessionId: SESSION, operationId: OPERATION, responseId: 'end', responseType: { case: 'resultComplete', value: {} } }),
      schema: bytesOf({ sessionId: SESSION, schema: { kind: { case: 'long', value: {} } } }),
      metricsOnly: bytesOf({ sessionId: SESSION, metrics: { metrics: [{ name: 'x' }] } }),
      withMetrics,
      unknownField,
      twice,
      nonAsciiId: batchResponse(1, {}, { responseId: 'réponse-1' }),
      negativeRowCount: batchResponse(1, { rowCount: -1n }),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      expect(reader.readArrowBatch(bytes), name).toBeUndefined();
      expect(reader.read(bytes), name).toStrictEqual(fromBinary(ExecutePlanResponseSchema, bytes));
    }
    expect(reader.read(cases.nonAsciiId).responseId).toBe('réponse-1');
    // A truncated message fails as the generated decoder fails.
    const truncated = batchResponse(1).subarray(0, 30);
    expect(reader.readArrowBatch(truncated)).toBeUndefined();
    expect(() => reader.read(truncated)).toThrow();
  });
});
