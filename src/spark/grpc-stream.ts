import { constants, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';
import { validateResponse, validateTrailer } from '@connectrpc/connect/protocol-grpc';
import type { Http2SessionManager } from '@connectrpc/connect-node';

/**
 * A gRPC server-streaming call read straight off its HTTP/2 stream, for the one call whose speed
 * matters: ExecutePlan / ReattachExecute results of hundreds of MB. connect's generic path passes
 * every DATA chunk through several async iterators and copies each message into a fresh buffer;
 * here chunks are handled in the stream's 'data' events, each message is assembled once into a
 * buffer placed so that a chosen offset (the Arrow body) lands on an 8-byte boundary, and flow
 * control is kept by pausing the stream while more than HIGH_WATER_BYTES wait to be consumed.
 * Failures are ConnectErrors as connect's own transport gives them (status from the trailers or
 * headers via connect's validators, HTTP/2 reset codes mapped as connect-node maps them).
 */
export interface ServerStreamCall {
  /** The method path, e.g. `/spark.connect.SparkConnectService/ExecutePlan`. */
  path: string;
  /** The serialized request message. */
  request: Uint8Array;
  /** Extra request headers (the connection string's headers, authorization). */
  headers: Record<string, string>;
  signal?: AbortSignal;
  /**
   * Given the first bytes of a message (as many as the chunk holds), the offset within the message
   * that should be 8-byte aligned, or undefined.
   */
  alignAt?: (prefix: Uint8Array) => number | undefined;
}

/** Bytes of assembled messages that may wait for the consumer before the stream is paused. */
export const HIGH_WATER_BYTES = 16 * 1024 * 1024;

/** How often reading a response tells the session manager that the connection is alive. */
const ALIVE_NOTICE_MS = 1000;

export async function* serverStream(sessions: Http2SessionManager, call: ServerStreamCall): AsyncGenerator<Uint8Array> {
  const signal = call.signal;
  if (signal?.aborted) throw abortError(signal);
  let stream: ClientHttp2Stream;
  try {
    stream = await sessions.request('POST', call.path, { ...call.headers, 'content-type': 'application/grpc+proto', te: 'trailers' }, {});
  } catch (error) {
    throw error instanceof ConnectError ? error : new ConnectError(`http/2 connection failed: ${(error as Error).message}`, Code.Unavailable, undefined, undefined, error);
  }
  const queue: Uint8Array[] = [];
  let queued = 0;
  let failure: unknown;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const fail = (error: unknown): void => {
    if (failure === undefined) failure = error;
    notify();
  };
  let header: Headers | undefined;
  const trailer = new Headers();
  const assembler = new EnvelopeAssembler(call.alignAt, (message) => {
    queue.push(message);
    queued += message.byteLength;
  });
  const onAbort = (): void => {
    fail(abortError(signal!));
    if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  stream.on('response', (headers) => {
    header = webHeaders(headers);
    try {
      const { headerError } = validateResponse(Number(headers[':status']), header);
      if (headerError !== undefined) fail(headerError);
    } catch (error) {
      fail(error);
    }
  });
  stream.on('trailers', (headers) => webHeaders(headers).forEach((value, key) => trailer.set(key, value)));
  // The session manager's keep-alive bookkeeping (it re-arms a ping timer) once per
  // ALIVE_NOTICE_MS of reading, not per chunk: its pings are 30 s apart.
  let aliveNoticeAt = 0;
  stream.on('data', (chunk: Buffer) => {
    const now = Date.now();
    if (now - aliveNoticeAt >= ALIVE_NOTICE_MS) {
      aliveNoticeAt = now;
      sessions.notifyResponseByteRead(stream);
    }
    const before = queue.length;
    try {
      assembler.push(chunk);
    } catch (error) {
      fail(error);
      stream.close(constants.NGHTTP2_CANCEL);
      return;
    }
    if (queued > HIGH_WATER_BYTES) stream.pause();
    // Wake the consumer only when a message is complete (a chunk is ~16–64 KB, a message ~400 KB).
    if (queue.length > before) notify();
  });
  stream.on('end', () => {
    if (!trailer.has('grpc-status') && header?.has('grpc-status') !== true) {
      // The body ended without a status: the connection went away mid-call (a cut, a proxy).
      fail(new ConnectError('http/2 stream closed without a status (premature close)', Code.Unavailable));
    } else if (assembler.pending) fail(new ConnectError('protocol error: incomplete envelope', Code.InvalidArgument));
    else {
      try {
        validateTrailer(trailer, header ?? new Headers());
      } catch (error) {
        fail(error);
      }
    }
    ended = true;
    notify();
  });
  stream.on('error', (error: Error) => fail(new ConnectError(`http/2 stream closed: ${error.message}`, Code.Unavailable, undefined, undefined, error)));
  stream.on('close', () => {
    const reset = resetError(stream.rstCode);
    if (reset !== undefined) fail(reset);
    else if (!ended) fail(new ConnectError('http/2 stream closed before the call ended (premature close)', Code.Unavailable));
    ended = true;
    notify();
  });
  stream.end(envelope(call.request));
  try {
    for (;;) {
      const message = queue.shift();
      if (message !== undefined) {
        queued -= message.byteLength;
        if (queued <= HIGH_WATER_BYTES / 2 && stream.isPaused()) stream.resume();
        yield message;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
  }
}

function envelope(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.byteLength);
  new DataView(out.buffer).setUint32(1, message.byteLength);
  out.set(message, 5);
  return out;
}

function webHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith(':') || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.append(key, v);
    else out.set(key, String(value));
  }
  return out;
}

function abortError(signal: AbortSignal): ConnectError {
  return new ConnectError('This operation was aborted', Code.Canceled, undefined, undefined, signal.reason);
}

/** RST_STREAM codes as connect-node maps them (STREAM_CLOSED and NO_ERROR are not failures). */
function resetError(code: number): ConnectError | undefined {
  const message = `http/2 stream closed with error code 0x${code.toString(16)}`;
  switch (code) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return new ConnectError(message, Code.Unavailable);
    case constants.NGHTTP2_CANCEL:
      return new ConnectError(message, Code.Canceled);
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return new ConnectError(message, Code.ResourceExhausted);
    case constants.NGHTTP2_INADEQUATE_SECURITY:
    case constants.NGHTTP2_HTTP_1_1_REQUIRED:
      return new ConnectError(message, Code.PermissionDenied);
    case constants.NGHTTP2_PROTOCOL_ERROR:
    case constants.NGHTTP2_INTERNAL_ERROR:
    case constants.NGHTTP2_FLOW_CONTROL_ERROR:
    case constants.NGHTTP2_SETTINGS_TIMEOUT:
    case constants.NGHTTP2_FRAME_SIZE_ERROR:
    case constants.NGHTTP2_COMPRESSION_ERROR:
    case constants.NGHTTP2_CONNECT_ERROR:
      return new ConnectError(message, Code.Internal);
    default:
      return undefined;
  }
}

/**
 * Splits a gRPC response body into messages (5-byte envelope: flags, big-endian length). Each
 * message is copied once, into its own buffer, shifted so that `alignAt`'s offset is 8-byte aligned.
 */
export class EnvelopeAssembler {
  readonly #alignAt: ((prefix: Uint8Array) => number | undefined) | undefined;
  readonly #emit: (message: Uint8Array) => void;
  readonly #header = new Uint8Array(5);
  #headerFill = 0;
  #message: Uint8Array | undefined;
  #fill = 0;

  constructor(alignAt: ((prefix: Uint8Array) => number | undefined) | undefined, emit: (message: Uint8Array) => void) {
    this.#alignAt = alignAt;
    this.#emit = emit;
  }

  /** True while a message or an envelope header is incomplete. */
  get pending(): boolean {
    return this.#headerFill > 0 || this.#message !== undefined;
  }

  push(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.byteLength) {
      if (this.#message === undefined) {
        const take = Math.min(5 - this.#headerFill, chunk.byteLength - pos);
        this.#header.set(chunk.subarray(pos, pos + take), this.#headerFill);
        this.#headerFill += take;
        pos += take;
        if (this.#headerFill < 5) return;
        this.#headerFill = 0;
        if ((this.#header[0]! & 0b1) !== 0) throw new ConnectError('protocol error: compressed messages are not accepted', Code.Internal);
        const length = new DataView(this.#header.buffer).getUint32(1);
        const offset = length > 0 ? this.#alignAt?.(chunk.subarray(pos, pos + length)) : undefined;
        const shift = offset === undefined ? 0 : (8 - (offset % 8)) % 8;
        this.#message = new Uint8Array(new ArrayBuffer(length + shift), shift, length);
        this.#fill = 0;
        if (length === 0) {
          this.#message = undefined;
          this.#emit(new Uint8Array(0));
          continue;
        }
      }
      const message = this.#message;
      const take = Math.min(message.byteLength - this.#fill, chunk.byteLength - pos);
      message.set(chunk.subarray(pos, pos + take), this.#fill);
      this.#fill += take;
      pos += take;
      if (this.#fill === message.byteLength) {
        this.#message = undefined;
        this.#emit(message);
      }
    }
  }
}
