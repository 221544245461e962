import { randomUUID } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { MlopsError } from '../errors.js';
import { arrowBodyOffset } from './arrow.js';
import { abortedError, sleep, type CallOptions, type SparkConnectClient } from './client.js';
import {
  ExecutePlanRequestSchema,
  ReattachExecuteRequestSchema,
  ReleaseExecuteRequestSchema,
  type ExecutePlanResponse,
  type Plan,
} from './gen/spark/connect/base_pb.js';
import { ExecutePlanResponseReader } from './response-reader.js';
import { isRetryableStreamError, sparkRetryDelay } from './retry-policy.js';

export interface ExecuteOptions extends CallOptions {
  /** Operation tags (InterruptTag); none by default. */
  tags?: string[];
  /** Test hook: the number of ExecutePlan/ReattachExecute streams opened is reported here. */
  onStream?: (kind: 'execute' | 'reattach', lastResponseId: string | undefined) => void;
}

/**
 * Release the responses the client has consumed every RELEASE_EVERY_BYTES of Arrow data or every
 * RELEASE_EVERY responses, whichever comes first. The server keeps at most
 * `spark.connect.execute.reattachable.observerRetryBufferSize` of already-sent responses whether or
 * not they are released, so releasing only lets it drop them sooner; each ReleaseExecute is a unary
 * call through connect that cost the client ~10 ms of CPU in a 10M-row stream (one per 32 responses:
 * 0.35 s of its ~1.4 s, measured against a replayed response stream).
 */
const RELEASE_EVERY = 256;
const RELEASE_EVERY_BYTES = 64 * 1024 * 1024;

/**
 * Runs a plan as a reattachable execution and yields every response exactly once, in order.
 *
 * The client picks the operation id. When a response stream ends without ResultComplete (the
 * server ends streams after senderMaxStreamDuration/Size) or breaks with a retryable error, the
 * client reattaches from the last response id it received; a server that never saw the operation
 * (OPERATION_NOT_FOUND before any response) gets the ExecutePlan again. Consumed responses are
 * released as it goes and the whole operation at the end. An abort interrupts the operation.
 */
export async function* executePlan(client: SparkConnectClient, plan: Plan, options: ExecuteOptions = {}): AsyncGenerator<ExecutePlanResponse> {
  client.assertOpen();
  const signal = options.signal;
  const operationId = randomUUID();
  const what = `ExecutePlan ${operationId}`;
  if (signal?.aborted) throw abortedError(signal, what);
  // One controller per operation so that leaving early (break, error) cancels the open stream.
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  // Both calls answer with a stream of ExecutePlanResponse, read by the raw stream reader with the
  // Arrow bodies of ArrowBatch responses placed 8-byte aligned (decoded in place, not copied again);
  // ArrowBatch responses are read by hand, the others by the generated decoder.
  const reader = new ExecutePlanResponseReader();
  const responses = async function* (method: string, request: Uint8Array): AsyncGenerator<ExecutePlanResponse> {
    for await (const bytes of client.rawServerStream(method, request, { signal: controller.signal, alignAt: arrowBodyOffset })) {
      yield reader.read(bytes);
    }
  };
  const execute = (): AsyncIterable<ExecutePlanResponse> => {
    options.onStream?.('execute', undefined);
    const request = create(ExecutePlanRequestSchema, {
      ...client.base(),
      operationId,
      plan,
      tags: options.tags ?? [],
      requestOptions: [{ requestOption: { case: 'reattachOptions', value: { reattachable: true } } }],
    });
    return responses('ExecutePlan', toBinary(ExecutePlanRequestSchema, request));
  };
  const reattach = (lastResponseId: string | undefined): AsyncIterable<ExecutePlanResponse> => {
    options.onStream?.('reattach', lastResponseId);
    const request = create(ReattachExecuteRequestSchema, { ...client.base(), operationId, ...(lastResponseId !== undefined ? { lastResponseId } : {}) });
    return responses('ReattachExecute', toBinary(ReattachExecuteRequestSchema, request));
  };
  const release = (until: string | undefined): void => {
    const request = create(ReleaseExecuteRequestSchema, {
      ...client.base(),
      operationId,
      release: until === undefined ? { case: 'releaseAll', value: {} } : { case: 'releaseUntil', value: { responseId: until } },
    });
    // Best effort and in the background: the result is already with the client.
    client.rpc.releaseExecute(request, { timeoutMs: 30_000 }).catch(() => undefined);
  };

  let lastResponseId: string | undefined;
  let complete = false;
  let finished = false;
  let retries = 0;
  let sinceRelease = 0;
  let bytesSinceRelease = 0;
  let stream = execute();
  try {
    while (!complete) {
      try {
        for await (const response of stream) {
          client.observeServerSession(response.serverSideSessionId);
          if (response.operationId !== '' && response.operationId !== operationId) {
            throw new MlopsError('INTERNAL', `${what}: the server answered for operation ${response.operationId}`, {});
          }
          lastResponseId = response.responseId;
          retries = 0;
          if (response.responseType.case === 'resultComplete') complete = true;
          yield response;
          if (response.responseType.case === 'arrowBatch') bytesSinceRelease += response.responseType.value.data.byteLength;
          if ((++sinceRelease >= RELEASE_EVERY || bytesSinceRelease >= RELEASE_EVERY_BYTES) && !complete) {
            sinceRelease = 0;
            bytesSinceRelease = 0;
            release(lastResponseId);
          }
        }
        // The stream ended without ResultComplete: the server cut it on purpose; continue from here.
        if (!complete) stream = reattach(lastResponseId);
      } catch (error) {
        if (signal?.aborted) throw abortedError(signal, what);
        if (error instanceof MlopsError) throw error;
        const connect = ConnectError.from(error);
        if (isOperationNotFound(connect) && lastResponseId === undefined) {
          // The server never registered the operation (the first call was lost): send it again.
          stream = execute();
          continue;
        }
        if (isRetryableStreamError(connect.code, connect.rawMessage, controller.signal.aborted) && retries < client.retryPolicy.maxRetries) {
          retries++;
          await sleep(sparkRetryDelay(client.retryPolicy, retries), signal, what);
          stream = reattach(lastResponseId);
          continue;
        }
        throw client.error(error, what);
      }
    }
    finished = true;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      controller.abort();
      // The caller stopped early or the call failed: stop the work on the server too.
      client.interrupt(operationId, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
    }
    release(undefined);
  }
}

function isOperationNotFound(error: ConnectError): boolean {
  return error.code !== Code.Unavailable && error.rawMessage.includes('INVALID_HANDLE.OPERATION_NOT_FOUND');
}

/** How an operation ended, as seen by a client that reattached to it (awaitOperationEnd). */
export type OperationEnd = 'completed' | 'canceled' | 'failed' | 'gone';

/** The server forgot the operation (released, abandoned, or its session closed): nothing of it runs any more. */
const GONE = /INVALID_HANDLE\.(OPERATION_NOT_FOUND|OPERATION_ABANDONED|SESSION_CLOSED|SESSION_NOT_FOUND|SESSION_CHANGED)/;

/**
 * Waits until an operation of the client's session has stopped running on the server: reattaches to
 * it (ReattachExecute, from the start of what the server still holds) and reads its responses until
 * they end. The server ends a reattachable operation's responses only once its execution thread has
 * returned — with ResultComplete, with the operation's error, or with OPERATION_CANCELED after an
 * interrupt — so when this returns, the operation's Spark jobs can no longer write. An operation the
 * server no longer knows is 'gone'. The operation is released afterwards (best effort).
 */
export async function awaitOperationEnd(client: SparkConnectClient, operationId: string, options: CallOptions = {}): Promise<OperationEnd> {
  client.assertOpen();
  const what = `ReattachExecute ${operationId}`;
  let retries = 0;
  try {
    for (;;) {
      if (options.signal?.aborted) throw abortedError(options.signal, what);
      try {
        const stream = client.rpc.reattachExecute(create(ReattachExecuteRequestSchema, { ...client.base(), operationId }), options.signal ? { signal: options.signal } : {});
        for await (const response of stream) {
          if (response.responseType.case === 'resultComplete') return 'completed';
        }
        // The server cut the stream on purpose (its maximum stream duration): the operation goes on.
      } catch (error) {
        if (options.signal?.aborted) throw abortedError(options.signal, what);
        const connect = ConnectError.from(error);
        if (GONE.test(connect.rawMessage)) return 'gone';
        if (connect.rawMessage.includes('OPERATION_CANCELED')) return 'canceled';
        if (isRetryableStreamError(connect.code, connect.rawMessage, false) && retries < client.retryPolicy.maxRetries) {
          retries++;
          await sleep(sparkRetryDelay(client.retryPolicy, retries), options.signal, what);
          continue;
        }
        // Any other error the server sends from the operation is its own failure: it has ended too
        // (but not a cursor the server cannot serve: that says nothing about the operation).
        if (!connect.rawMessage.includes('INVALID_CURSOR') && connect.code !== Code.Unavailable && connect.code !== Code.DeadlineExceeded && connect.code !== Code.Unknown) return 'failed';
        throw client.error(error, what);
      }
    }
  } finally {
    const request = create(ReleaseExecuteRequestSchema, { ...client.base(), operationId, release: { case: 'releaseAll', value: {} } });
    client.rpc.releaseExecute(request, { timeoutMs: 30_000 }).catch(() => undefined);
  }
}
