import { randomUUID } from 'node:crypto';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { MlopsError } from '../errors.js';
import type { SparkConnectionString } from './connection-string.js';
import { toSparkConnectError } from './errors.js';
import { serverStream } from './grpc-stream.js';
import {
  AddArtifactsRequestSchema,
  AnalyzePlanRequestSchema,
  ConfigRequestSchema,
  ConfigRequest_OperationSchema,
  FetchErrorDetailsRequestSchema,
  InterruptRequest_InterruptType,
  InterruptRequestSchema,
  ReleaseSessionRequestSchema,
  SparkConnectService,
  UserContextSchema,
  type AddArtifactsRequest,
  type AddArtifactsResponse,
  type AnalyzePlanResponse,
  type ConfigResponse,
  type FetchErrorDetailsResponse,
  type UserContext,
} from './gen/spark/connect/base_pb.js';
import { DEFAULT_SPARK_RETRY_POLICY, FIRST_CONTACT_CONNECT_RETRIES, isConnectionNotOpened, isRetryableSparkError, sparkRetryDelay, type SparkRetryPolicy } from './retry-policy.js';

/** Produces the authorization header value per call (a PAT, or an OAuth token refreshed when due). */
export interface SparkCredentials {
  authorization(options?: { signal?: AbortSignal }): Promise<string>;
  /**
   * Further credential headers per call (names in any case; they are sent lowercase, as gRPC
   * metadata): an Azure service principal's management token, as Databricks Connect sends it.
   */
  extraHeaders?(options?: { signal?: AbortSignal }): Promise<Record<string, string>>;
  /** Values never to appear in messages. */
  secrets(): string[];
}

export interface SparkConnectClientOptions {
  connection: SparkConnectionString;
  /** Overrides the connection string's token. */
  credentials?: SparkCredentials;
  retryPolicy?: SparkRetryPolicy;
  /** Injectable for tests. */
  random?: () => number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface RetryCallOptions extends CallOptions {
  /** The session's first call: a connection that cannot be opened fails after a few quick retries (see FIRST_CONTACT_CONNECT_RETRIES). */
  firstContact?: boolean;
}

export const CLIENT_NAME = 'mlops-e2e-spark-connect';

/**
 * The protocol layer: one Spark Connect session over one HTTP/2 connection. Adds the session,
 * user context and client type to every request, the connection string's headers and the
 * credentials to every call, retries UNAVAILABLE with backoff and turns failures into
 * SparkConnectErrors. DataFrames and the session object build on it.
 */
export class SparkConnectClient {
  readonly sessionId: string;
  readonly userContext: UserContext;
  readonly clientType: string;
  readonly connection: SparkConnectionString;
  readonly retryPolicy: SparkRetryPolicy;
  /** The server's id for this session, learned from its first answer; a change means the server restarted. */
  serverSideSessionId: string | undefined;
  readonly rpc: Client<typeof SparkConnectService>;
  readonly #sessions: Http2SessionManager;
  readonly #credentials: SparkCredentials | undefined;
  readonly #random: () => number;
  readonly #headers: [string, string][];
  #closed = false;

  constructor(options: SparkConnectClientOptions) {
    const connection = options.connection;
    this.connection = connection;
    this.sessionId = connection.sessionId ?? randomUUID();
    this.userContext = create(UserContextSchema, { userId: connection.userId ?? process.env.USER ?? '' });
    this.clientType = `${connection.userAgent ?? CLIENT_NAME} spark/4.0 os/${process.platform} node/${process.versions.node}`;
    this.retryPolicy = options.retryPolicy ?? DEFAULT_SPARK_RETRY_POLICY;
    this.#random = options.random ?? Math.random;
    this.#credentials =
      options.credentials ??
      (connection.token !== undefined
        ? { authorization: async () => `Bearer ${connection.token}`, secrets: () => [connection.token!] }
        : undefined);
    const host = connection.host.includes(':') && !connection.host.startsWith('[') ? `[${connection.host}]` : connection.host;
    const baseUrl = `${connection.useSsl ? 'https' : 'http'}://${host}:${connection.port}`;
    // Pings only while a call is open: connect-node 2.1.2 keeps an idle connection's ping timer after
    // abort() (close), and that ping then throws ERR_HTTP2_INVALID_SESSION from a timer, killing a
    // long-lived process 30 s after it stopped a session. An idle connection that died is redialled.
    this.#sessions = new WideWindowSessionManager(baseUrl, { pingIntervalMs: 30_000, pingIdleConnection: false }, {
      settings: { initialWindowSize: STREAM_WINDOW_BYTES, maxFrameSize: MAX_FRAME_BYTES },
      // Room for a full stream window of data waiting to be read (Node's default is 10 MB).
      maxSessionMemory: 64,
    });
    const headers = Object.entries(connection.headers);
    this.#headers = headers;
    const addHeaders: Interceptor = (next) => async (request) => {
      for (const [name, value] of headers) request.header.set(name, value);
      for (const [name, value] of Object.entries(await this.#credentialHeaders(request.signal))) request.header.set(name, value);
      return next(request);
    };
    const transport = createGrpcTransport({
      baseUrl,
      sessionManager: this.#sessions,
      interceptors: [addHeaders],
      // Arrow batches are ~4 MiB by default; a server may be configured for larger messages.
      readMaxBytes: 0x7fffffff,
      writeMaxBytes: 0x7fffffff,
    });
    this.rpc = createClient(SparkConnectService, transport);
  }

  /** Where this client connects, without credentials. */
  get endpoint(): string {
    return `sc://${this.connection.host}:${this.connection.port}`;
  }

  secrets(): string[] {
    return this.#credentials?.secrets() ?? [];
  }

  /** Common fields of every request. */
  base(): { sessionId: string; userContext: UserContext; clientType: string; clientObservedServerSideSessionId?: string } {
    return {
      sessionId: this.sessionId,
      userContext: this.userContext,
      clientType: this.clientType,
      ...(this.serverSideSessionId !== undefined ? { clientObservedServerSideSessionId: this.serverSideSessionId } : {}),
    };
  }

  /** Records the server-side session id and fails if the server lost the session (it restarted). */
  observeServerSession(id: string): void {
    if (id === '') return;
    if (this.serverSideSessionId === undefined) this.serverSideSessionId = id;
    else if (this.serverSideSessionId !== id) {
      throw new MlopsError('INTERNAL', `The Spark Connect server at ${this.endpoint} changed its session (${this.serverSideSessionId} → ${id}): it restarted, and this session's state is gone; create a new SparkSession`, {
        details: { endpoint: this.endpoint },
      });
    }
  }

  assertOpen(): void {
    if (this.#closed) throw new MlopsError('INVALID_ARGUMENT', `The Spark session ${this.sessionId} at ${this.endpoint} was stopped`, {});
  }

  /** Converts a failure, keeping secrets out and FetchErrorDetails on demand. */
  error(error: unknown, what: string): MlopsError {
    if (error instanceof MlopsError) return error;
    return toSparkConnectError(error, `${what} at ${this.endpoint}`, {
      secrets: this.secrets(),
      fetchDetails: (errorId, options) => this.fetchErrorDetails(errorId, options),
    });
  }

  /**
   * The credential headers of one call, produced when it is made (so a token is refreshed when
   * due): authorization and the credentials' further headers, names lowercase (gRPC metadata;
   * HTTP/2 refuses other names). Empty without credentials.
   */
  async #credentialHeaders(signal: AbortSignal | undefined): Promise<Record<string, string>> {
    const credentials = this.#credentials;
    if (credentials === undefined) return {};
    const headers: Record<string, string> = { authorization: await credentials.authorization(signalOption(signal)) };
    if (credentials.extraHeaders !== undefined) for (const [name, value] of Object.entries(await credentials.extraHeaders(signalOption(signal)))) headers[name.toLowerCase()] = value;
    return headers;
  }

  /**
   * Opens a server-streaming call of the service straight on the HTTP/2 connection (see
   * grpc-stream.ts) and yields its serialized response messages; `alignAt` places each message so
   * that the given offset is 8-byte aligned. Failures are ConnectErrors, as from `rpc`.
   */
  async *rawServerStream(method: string, request: Uint8Array, options: { signal?: AbortSignal; alignAt?: (prefix: Uint8Array) => number | undefined } = {}): AsyncGenerator<Uint8Array> {
    const headers: Record<string, string> = { 'user-agent': this.clientType };
    for (const [name, value] of this.#headers) headers[name.toLowerCase()] = value;
    Object.assign(headers, await this.#credentialHeaders(options.signal));
    yield* serverStream(this.#sessions, {
      path: `/${SparkConnectService.typeName}/${method}`,
      request,
      headers,
      ...signalOption(options.signal),
      ...(options.alignAt !== undefined ? { alignAt: options.alignAt } : {}),
    });
  }

  /** Runs a unary call with retries on UNAVAILABLE; aborts become ABORTED. */
  async withRetry<T>(what: string, call: (signal: AbortSignal | undefined) => Promise<T>, options: RetryCallOptions = {}): Promise<T> {
    this.assertOpen();
    for (let retry = 0; ; retry++) {
      throwIfAbortedSpark(options.signal, what);
      try {
        return await call(options.signal);
      } catch (error) {
        if (options.signal?.aborted) throw abortedError(options.signal, what);
        const connect = error instanceof ConnectError ? error : undefined;
        const giveUpEarly = options.firstContact === true && connect !== undefined && isConnectionNotOpened(connect.code, connect.rawMessage) && retry >= FIRST_CONTACT_CONNECT_RETRIES;
        if (connect !== undefined && !giveUpEarly && retry < this.retryPolicy.maxRetries && isRetryableSparkError(connect.code, connect.rawMessage)) {
          await sleep(sparkRetryDelay(this.retryPolicy, retry + 1, this.#random()), options.signal, what);
          continue;
        }
        throw this.error(error, what);
      }
    }
  }

  async analyze(analyze: NonNullable<MessageInitShape<typeof AnalyzePlanRequestSchema>['analyze']>, options: RetryCallOptions = {}): Promise<AnalyzePlanResponse> {
    const request = create(AnalyzePlanRequestSchema, { ...this.base(), analyze });
    const response = await this.withRetry(`AnalyzePlan (${analyze.case})`, (signal) => this.rpc.analyzePlan(request, signalOption(signal)), options);
    this.observeServerSession(response.serverSideSessionId);
    return response;
  }

  async config(operation: NonNullable<MessageInitShape<typeof ConfigRequest_OperationSchema>['opType']>, options: CallOptions = {}): Promise<ConfigResponse> {
    const request = create(ConfigRequestSchema, { ...this.base(), operation: { opType: operation } });
    const response = await this.withRetry(`Config (${operation.case})`, (signal) => this.rpc.config(request, signalOption(signal)), options);
    this.observeServerSession(response.serverSideSessionId);
    return response;
  }

  /** Sends a client stream of AddArtifacts requests (built by the caller); the stream is rebuilt per retry. */
  async addArtifacts(requests: () => Iterable<Omit<AddArtifactsRequest, 'sessionId' | 'userContext' | 'clientType' | '$typeName'>>, options: CallOptions = {}): Promise<AddArtifactsResponse> {
    const base = this.base();
    const stream = async function* () {
      for (const payload of requests()) yield create(AddArtifactsRequestSchema, { ...payload, ...base });
    };
    const response = await this.withRetry('AddArtifacts', (signal) => this.rpc.addArtifacts(stream(), signalOption(signal)), options);
    this.observeServerSession(response.serverSideSessionId);
    return response;
  }

  /** Asks the server to stop an operation; best effort. */
  async interrupt(operationId: string, options: CallOptions = {}): Promise<string[]> {
    const request = create(InterruptRequestSchema, {
      ...this.base(),
      interruptType: InterruptRequest_InterruptType.OPERATION_ID,
      interrupt: { case: 'operationId', value: operationId },
    });
    const response = await this.withRetry('Interrupt', (signal) => this.rpc.interrupt(request, signalOption(signal)), options);
    return response.interruptedIds;
  }

  async fetchErrorDetails(errorId: string, options: CallOptions = {}): Promise<FetchErrorDetailsResponse> {
    const request = create(FetchErrorDetailsRequestSchema, { ...this.base(), errorId });
    return this.withRetry('FetchErrorDetails', (signal) => this.rpc.fetchErrorDetails(request, signalOption(signal)), options);
  }

  /** Releases the server-side session (ReleaseSession) and closes the connection. Idempotent. */
  async close(options: CallOptions = {}): Promise<void> {
    if (this.#closed) return;
    try {
      const request = create(ReleaseSessionRequestSchema, { sessionId: this.sessionId, userContext: this.userContext, clientType: this.clientType });
      await this.rpc.releaseSession(request, { ...signalOption(options.signal), timeoutMs: 10_000 });
    } catch (error) {
      // A server that is already gone has nothing to release; anything else is reported.
      const connect = ConnectError.from(error);
      if (connect.code !== Code.Unavailable && connect.code !== Code.DeadlineExceeded && !options.signal?.aborted) {
        this.#closed = true;
        this.#sessions.abort();
        throw this.error(error, 'ReleaseSession');
      }
    }
    this.#closed = true;
    this.#sessions.abort();
  }
}

/**
 * HTTP/2 flow control: the receive window is how much the server may send before it waits for the
 * client's WINDOW_UPDATE. Node's default (64 KiB per stream and per connection) stalls an Arrow
 * stream of a few hundred MB on thousands of round trips; gRPC's C core grows its window by
 * bandwidth-delay probing to megabytes. A fixed window of this size bounds what sits unread in
 * the client (per stream, and twice that per connection).
 */
export const STREAM_WINDOW_BYTES = 8 * 1024 * 1024;

/**
 * The largest HTTP/2 frame the server may send (the default is 16 KiB): bigger frames reach the
 * client in fewer, larger chunks, and every chunk costs a trip through the stream and envelope layers.
 */
export const MAX_FRAME_BYTES = 256 * 1024;

/** An Http2SessionManager that widens the connection-level receive window of every session it opens. */
class WideWindowSessionManager extends Http2SessionManager {
  readonly #widened = new WeakSet<object>();

  override async request(...args: Parameters<Http2SessionManager['request']>): ReturnType<Http2SessionManager['request']> {
    const stream = await super.request(...args);
    const session = stream.session;
    if (session !== undefined && !this.#widened.has(session)) {
      this.#widened.add(session);
      if (!session.destroyed) session.setLocalWindowSize(2 * STREAM_WINDOW_BYTES);
    }
    return stream;
  }
}

export function signalOption(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}

export function abortedError(signal: AbortSignal, what: string): MlopsError {
  return new MlopsError('ABORTED', `${what} was aborted`, { cause: signal.reason });
}

export function throwIfAbortedSpark(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortedError(signal, what);
}

/** Waits `ms`, or throws ABORTED as soon as the signal fires. */
export function sleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal, what));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(signal!, what));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
