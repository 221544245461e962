import { MlopsError, type ErrorCode } from '../errors.js';

/** MLflow's error codes (databricks_pb2.ErrorCode) that the scoring server answers with. */
export type ScoringErrorCode =
  | 'BAD_REQUEST'
  | 'INVALID_PARAMETER_VALUE'
  | 'MALFORMED_REQUEST'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'ENDPOINT_NOT_FOUND'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'INTERNAL_ERROR';

const LIBRARY_CODES: Record<ScoringErrorCode, ErrorCode> = {
  BAD_REQUEST: 'INVALID_ARGUMENT',
  INVALID_PARAMETER_VALUE: 'SCHEMA_MISMATCH',
  MALFORMED_REQUEST: 'INVALID_ARGUMENT',
  REQUEST_LIMIT_EXCEEDED: 'INVALID_ARGUMENT',
  ENDPOINT_NOT_FOUND: 'NOT_FOUND',
  RESOURCE_DOES_NOT_EXIST: 'NOT_FOUND',
  TEMPORARILY_UNAVAILABLE: 'ABORTED',
  INTERNAL_ERROR: 'INTERNAL',
};

/**
 * A request the scoring server refuses: the HTTP status and MLflow's `error_code`, answered as
 * `{"error_code": …, "message": …}` like MLflow's scoring server does.
 */
export class ScoringError extends MlopsError {
  constructor(
    readonly status: number,
    readonly errorCode: ScoringErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(LIBRARY_CODES[errorCode], message, details ? { details } : {});
    this.name = 'ScoringError';
  }

  toJSON(): { error_code: ScoringErrorCode; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

/** 400 BAD_REQUEST: the body is not in one of the accepted formats. */
export function badRequest(message: string): ScoringError {
  return new ScoringError(400, 'BAD_REQUEST', message);
}

/** 400 INVALID_PARAMETER_VALUE: the data does not fit the model's input signature. */
export function invalidInput(message: string, details: Record<string, unknown>): ScoringError {
  return new ScoringError(400, 'INVALID_PARAMETER_VALUE', message, details);
}

/** 413 REQUEST_LIMIT_EXCEEDED: more rows than one request may score. */
export function tooManyRows(found: string, maxRows: number): ScoringError {
  return new ScoringError(413, 'REQUEST_LIMIT_EXCEEDED', `The request has ${found} rows; the limit is ${maxRows} rows per request (mlops serve --max-rows); split it into smaller requests`, {
    limit: maxRows,
  });
}
