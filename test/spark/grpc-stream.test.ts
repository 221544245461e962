import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { Http2SessionManager } from '@connectrpc/connect-node';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArrowBatchDecoder, arrowBodyOffset } from '../../src/spark/arrow.js';
import { ExecutePlanResponseSchema } from '../../src/spark/gen/spark/connect/base_pb.js';
import { EnvelopeAssembler, serverStream } from '../../src/spark/grpc-stream.js';

const envelope = (message: Uint8Array): Buffer => {
  const out = Buffer.alloc(5 + message.byteLength);
  out.writeUInt32BE(message.byteLength, 1);
  out.set(message, 5);
  return out;
};

/** A serialized ExecutePlanResponse carrying ids from..from+n-1 as an Arrow batch. */
const arrowResponse = (from: number, n: number): Uint8Array =>
  toBinary(
    ExecutePlanResponseSchema,
    create(ExecutePlanResponseSchema, {
      sessionId: 'a8e4b1c2-0000-4000-8000-000000000001',
      operationId: 'op',
      responseId: `r${from}`,
      responseType: {
        case: 'arrowBatch',
        value: { rowCount: BigInt(n), data: tableToIPC(tableFromArrays({ id: BigInt64Array.from({ length: n }, (_, i) => BigInt(from + i)) }), 'stream') },
      },
    }),
  );

describe('EnvelopeAssembler', () => {
  it('splits messages at any chunk boundary, including empty ones, and says when one is incomplete', () => {
    const messages = [Uint8Array.from([1, 2, 3]), new Uint8Array(0), Uint8Array.from({ length: 300 }, (_, i) => i % 251)];
    const body = Buffer.concat(messages.map(envelope));
    for (const size of [1, 2, 7, 64, body.length]) {
      const out: number[][] = [];
      const assembler = new EnvelopeAssembler(undefined, (m) => out.push([...m]));
      for (let i = 0; i < body.length; i += size) assembler.push(body.subarray(i, i + size));
      expect(out).toEqual(messages.map((m) => [...m]));
      expect(assembler.pending).toBe(false);
    }
    const partial = new EnvelopeAssembler(undefined, () => undefined);
    partial.push(body.subarray(0, 6));
    expect(partial.pending).toBe(true);
  });

  it('places an ArrowBatch response so that its Arrow body is 8-byte aligned, and the decoder uses it in place', () => {
    const message = arrowResponse(10, 4);
    const offset = arrowBodyOffset(message);
    expect(offset).toBeGreaterThan(0);
    expect(offset! % 8).not.toBe(0); // as Spark's responses come: unaligned where the message starts at 0
    const out: Uint8Array[] = [];
    const assembler = new EnvelopeAssembler(arrowBodyOffset, (m) => out.push(m));
    const body = envelope(message);
    assembler.push(body.subarray(0, 700));
    assembler.push(body.subarray(700));
    expect((out[0]!.byteOffset + offset!) % 8).toBe(0);
    const response = fromBinary(ExecutePlanResponseSchema, out[0]!);
    const data = response.responseType.case === 'arrowBatch' ? response.responseType.value.data : new Uint8Array(0);
    const [batch] = new ArrowBatchDecoder('sc://h:1').decode(data);
    const values = batch!.getChild('id')!.data[0]!.values as BigInt64Array;
    expect([...values]).toEqual([10n, 11n, 12n, 13n]);
    expect(values.buffer).toBe(out[0]!.buffer); // not copied
  });

  it('finds no offset in a response without an Arrow batch or in a prefix too short', () => {
    const complete = toBinary(ExecutePlanResponseSchema, create(ExecutePlanResponseSchema, { sessionId: 's', responseType: { case: 'resultComplete', value: {} } }));
    expect(arrowBodyOffset(complete)).toBeUndefined();
    expect(arrowBodyOffset(arrowResponse(0, 2).subarray(0, 60))).toBeUndefined();
  });
});

describe('serverStream (raw HTTP/2 gRPC server stream)', () => {
  let server: http2.Http2Server;
  let sessions: Http2SessionManager;
  const serverSessions: http2.ServerHttp2Session[] = [];
  const handlers = new Map<string, (stream: http2.ServerHttp2Stream) => void>();

  beforeAll(async () => {
    server = http2.createServer();
    server.on('session', (session) => serverSessions.push(session));
    server.on('stream', (stream, headers) => {
      stream.on('data', () => undefined);
      stream.on('end', () => handlers.get(String(headers[':path']))!(stream));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sessions = new Http2SessionManager(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    // The server ends its connections first (GOAWAY without an error), then the client lets go.
    const closed = new Promise((resolve) => server.close(resolve));
    for (const session of serverSessions) session.close();
    await closed;
    sessions.abort();
  });

  const collect = async (path: string, signal?: AbortSignal): Promise<{ messages: number[][]; error?: ConnectError }> => {
    const messages: number[][] = [];
    try {
      for await (const m of serverStream(sessions, { path, request: Uint8Array.from([9]), headers: {}, ...(signal ? { signal } : {}) })) messages.push([...m]);
      return { messages };
    } catch (error) {
      return { messages, error: error as ConnectError };
    }
  };

  it('yields the messages of a call that ends with status 0', async () => {
    handlers.set('/ok', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.concat([envelope(Uint8Array.from([1])), envelope(Uint8Array.from([2, 3]))]));
    });
    expect(await collect('/ok')).toEqual({ messages: [[1], [2, 3]] });
  });

  it("fails with the trailers' status and message after the messages that came", async () => {
    handlers.set('/failed', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(Code.InvalidArgument), 'grpc-message': 'no such table' }));
      stream.end(envelope(Uint8Array.from([4])));
    });
    const { messages, error } = await collect('/failed');
    expect(messages).toEqual([[4]]);
    expect([error?.code, error?.rawMessage]).toEqual([Code.InvalidArgument, 'no such table']);
  });

  it('reports a body that stops mid-message without a status as UNAVAILABLE (retryable), not as a bad message', async () => {
    handlers.set('/cut', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto' });
      stream.end(envelope(Uint8Array.from([5, 6, 7])).subarray(0, 6));
    });
    const { error } = await collect('/cut');
    expect(error?.code).toBe(Code.Unavailable);
  });

  it('stops on abort with CANCELED', async () => {
    handlers.set('/endless', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto' });
      stream.write(envelope(Uint8Array.from([8])));
    });
    const controller = new AbortController();
    const stream = serverStream(sessions, { path: '/endless', request: new Uint8Array(0), headers: {}, signal: controller.signal });
    expect([...(await stream.next()).value!]).toEqual([8]);
    controller.abort();
    await expect(stream.next()).rejects.toMatchObject({ code: Code.Canceled });
  });
});
