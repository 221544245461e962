import type { ErrorCode } from '../../errors.js';

/**
 * MLflow's error codes (mlflow/protos/databricks.proto) on one side, ours on the other. The REST
 * client maps what a server says into our codes; our server maps our codes back, with the HTTP
 * status MLflow's own server would use (mlflow/exceptions.py ERROR_CODE_TO_HTTP_STATUS).
 */

const FROM_MLFLOW: Record<string, ErrorCode> = {
  RESOURCE_DOES_NOT_EXIST: 'NOT_FOUND',
  NOT_FOUND: 'NOT_FOUND',
  RESOURCE_ALREADY_EXISTS: 'ALREADY_EXISTS',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  INVALID_PARAMETER_VALUE: 'INVALID_ARGUMENT',
  BAD_REQUEST: 'INVALID_ARGUMENT',
  MALFORMED_REQUEST: 'INVALID_ARGUMENT',
  DATA_LOSS: 'CORRUPT',
};

/** Our code for an MLflow error_code; anything we do not model stays a plain HTTP error. */
export function errorCodeFromMlflow(mlflowCode: string | undefined): ErrorCode {
  return (mlflowCode !== undefined ? FROM_MLFLOW[mlflowCode] : undefined) ?? 'HTTP';
}

export interface MlflowErrorShape {
  errorCode: string;
  status: number;
}

const TO_MLFLOW: Partial<Record<ErrorCode, MlflowErrorShape>> = {
  NOT_FOUND: { errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 },
  ALREADY_EXISTS: { errorCode: 'RESOURCE_ALREADY_EXISTS', status: 400 },
  INVALID_ARGUMENT: { errorCode: 'INVALID_PARAMETER_VALUE', status: 400 },
  USAGE: { errorCode: 'INVALID_PARAMETER_VALUE', status: 400 },
  SCHEMA_MISMATCH: { errorCode: 'INVALID_PARAMETER_VALUE', status: 400 },
  // A stored file we cannot read: MLflow's DATA_LOSS, a 500 that retrying will not fix.
  CORRUPT: { errorCode: 'DATA_LOSS', status: 500 },
  ABORTED: { errorCode: 'CANCELLED', status: 499 },
  LOCKED: { errorCode: 'RESOURCE_CONFLICT', status: 409 },
};

/** The MLflow error_code and HTTP status for one of our codes (INTERNAL_ERROR / 500 by default). */
export function mlflowErrorFor(code: ErrorCode): MlflowErrorShape {
  return TO_MLFLOW[code] ?? { errorCode: 'INTERNAL_ERROR', status: 500 };
}
