import { Code, ConnectError } from '@connectrpc/connect';
import { MlopsError, type ErrorCode } from '../errors.js';
import { ErrorInfoSchema } from './gen/google/rpc/error_details_pb.js';
import type { FetchErrorDetailsResponse } from './gen/spark/connect/base_pb.js';

export interface SparkConnectErrorOptions {
  grpcCode: Code;
  errorClass?: string;
  sqlState?: string;
  messageParameters?: Record<string, string>;
  errorId?: string;
  /** The server's exception classes, most specific first. */
  classes?: string[];
  cause?: unknown;
  fetchDetails?: (options: { signal?: AbortSignal }) => Promise<FetchErrorDetailsResponse>;
}

/**
 * A call to a Spark Connect server failed. `errorClass` and `sqlState` are Spark's own (e.g.
 * TABLE_OR_VIEW_NOT_FOUND / 42P01); `grpcCode` is the gRPC status. The server keeps more (its
 * stack trace, the chain of causes, query contexts) under `errorId`: `fetchDetails()` asks for it.
 */
export class SparkConnectError extends MlopsError {
  readonly grpcCode: Code;
  readonly grpcCodeName: string;
  readonly errorClass: string | undefined;
  readonly sqlState: string | undefined;
  readonly messageParameters: Record<string, string>;
  readonly errorId: string | undefined;
  readonly classes: string[];
  readonly #fetchDetails: SparkConnectErrorOptions['fetchDetails'];

  constructor(message: string, options: SparkConnectErrorOptions) {
    super(codeFor(options.grpcCode, options.sqlState), message, {
      cause: options.cause,
      details: {
        grpcCode: Code[options.grpcCode],
        ...(options.errorClass ? { errorClass: options.errorClass } : {}),
        ...(options.sqlState ? { sqlState: options.sqlState } : {}),
      },
    });
    this.name = 'SparkConnectError';
    this.grpcCode = options.grpcCode;
    this.grpcCodeName = Code[options.grpcCode] ?? String(options.grpcCode);
    this.errorClass = options.errorClass;
    this.sqlState = options.sqlState;
    this.messageParameters = options.messageParameters ?? {};
    this.errorId = options.errorId;
    this.classes = options.classes ?? [];
    this.#fetchDetails = options.fetchDetails;
  }

  /** The server's full account of the error (FetchErrorDetails); needs errorId and an open session. */
  async fetchDetails(options: { signal?: AbortSignal } = {}): Promise<FetchErrorDetailsResponse> {
    if (this.errorId === undefined || this.#fetchDetails === undefined) {
      throw new MlopsError('NOT_FOUND', 'This Spark Connect error carries no errorId, so the server has no details to fetch', {});
    }
    return this.#fetchDetails(options);
  }
}

function codeFor(grpc: Code, sqlState: string | undefined): ErrorCode {
  if (sqlState === '42P01' || sqlState === '42704' || grpc === Code.NotFound) return 'NOT_FOUND';
  if (sqlState === '42P07' || grpc === Code.AlreadyExists) return 'ALREADY_EXISTS';
  if (grpc === Code.Canceled) return 'ABORTED';
  if (grpc === Code.InvalidArgument || sqlState?.startsWith('42') || sqlState?.startsWith('22')) return 'INVALID_ARGUMENT';
  return 'INTERNAL';
}

/**
 * Turns a failed gRPC call into a SparkConnectError, reading Spark's google.rpc.ErrorInfo detail
 * (metadata: errorClass, sqlState, messageParameters, errorId, classes). `secrets` are removed.
 */
export function toSparkConnectError(
  error: unknown,
  what: string,
  options: { secrets?: string[]; fetchDetails?: (errorId: string, options: { signal?: AbortSignal }) => Promise<FetchErrorDetailsResponse> } = {},
): SparkConnectError {
  if (error instanceof SparkConnectError) return error;
  const connect = ConnectError.from(error);
  let info: Record<string, string> = {};
  try {
    const found = connect.findDetails(ErrorInfoSchema)[0];
    if (found !== undefined) info = { ...found.metadata };
  } catch {
    // An undecodable detail leaves only the status and message.
  }
  const parseJson = <T>(text: string | undefined, fallback: T): T => {
    if (text === undefined) return fallback;
    try {
      return JSON.parse(text) as T;
    } catch {
      return fallback;
    }
  };
  let message = `${what} failed (${Code[connect.code] ?? connect.code}): ${connect.rawMessage}`;
  for (const secret of options.secrets ?? []) if (secret !== '') message = message.split(secret).join('***');
  const errorId = info.errorId;
  const fetcher = options.fetchDetails;
  return new SparkConnectError(message, {
    grpcCode: connect.code,
    ...(info.errorClass ? { errorClass: info.errorClass } : {}),
    ...(info.sqlState ? { sqlState: info.sqlState } : {}),
    messageParameters: parseJson<Record<string, string>>(info.messageParameters, {}),
    ...(errorId ? { errorId } : {}),
    classes: parseJson<string[]>(info.classes, []),
    cause: connect,
    ...(errorId && fetcher ? { fetchDetails: (o: { signal?: AbortSignal }) => fetcher(errorId, o) } : {}),
  });
}
