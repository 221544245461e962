/**
 * Every failure the library raises is an MlopsError with a stable `code`, so callers
 * (and the CLI's exit codes) can branch on what went wrong without parsing messages.
 */
export type ErrorCode =
  | 'USAGE' // bad command line
  | 'CONFIG_INVALID' // mlops.yml or overrides do not validate
  | 'NOT_FOUND' // a file, experiment, run, model, version or alias does not exist
  | 'ALREADY_EXISTS'
  | 'INVALID_ARGUMENT'
  | 'SCHEMA_MISMATCH' // data does not have the expected columns or types
  | 'CORRUPT' // a stored file cannot be parsed
  | 'REJECTED' // approval rejected a model version
  | 'LOCKED' // another process holds the workspace lock
  | 'ABORTED'
  | 'HTTP'
  | 'IO'
  | 'INTERNAL';

export interface MlopsErrorOptions {
  cause?: unknown;
  /** Structured facts about the failure (file, row, key, expected, found). Never secrets. */
  details?: Record<string, unknown>;
}

export class MlopsError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: MlopsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlopsError';
    this.code = code;
    this.details = options.details;
  }
}

export interface HttpErrorOptions extends MlopsErrorOptions {
  status: number;
  method: string;
  url: string;
  /** The server's own error code, e.g. MLflow's RESOURCE_DOES_NOT_EXIST. */
  serverCode?: string;
}

export class HttpError extends MlopsError {
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly serverCode: string | undefined;

  constructor(message: string, options: HttpErrorOptions, code: ErrorCode = 'HTTP') {
    super(code, message, options);
    this.name = 'HttpError';
    this.status = options.status;
    this.method = options.method;
    this.url = options.url;
    this.serverCode = options.serverCode;
  }
}

export function isMlopsError(value: unknown): value is MlopsError {
  return value instanceof MlopsError;
}

/** Throws ABORTED if the signal has fired; call between steps of long work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

/** The ABORTED error for a fired signal, for a wait that rejects rather than throws. */
export function abortedError(signal: AbortSignal): MlopsError {
  return new MlopsError('ABORTED', 'The operation was aborted', { cause: signal.reason });
}
