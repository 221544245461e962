import { HttpError, type ErrorCode } from '../../errors.js';
import { redactSecrets, redactUrl } from '../../redact.js';

/** Databricks error codes (in `{error_code, message}` bodies) and what they mean to callers. */
const CODE_BY_SERVER_CODE: Record<string, ErrorCode> = {
  RESOURCE_DOES_NOT_EXIST: 'NOT_FOUND',
  NOT_FOUND: 'NOT_FOUND',
  TABLE_DOES_NOT_EXIST: 'NOT_FOUND',
  SCHEMA_DOES_NOT_EXIST: 'NOT_FOUND',
  CATALOG_DOES_NOT_EXIST: 'NOT_FOUND',
  RESOURCE_ALREADY_EXISTS: 'ALREADY_EXISTS',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  INVALID_PARAMETER_VALUE: 'INVALID_ARGUMENT',
  BAD_REQUEST: 'INVALID_ARGUMENT',
  INVALID_STATE: 'INVALID_ARGUMENT',
};

export interface ApiErrorBody {
  errorCode: string | undefined;
  message: string | undefined;
}

/** Reads `{error_code, message}` (and the SCIM `{detail}` and OAuth `{error}` variants). */
export function parseErrorBody(text: string): ApiErrorBody {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const errorCode = typeof body.error_code === 'string' ? body.error_code : typeof body.error === 'string' ? body.error : undefined;
    const message =
      typeof body.message === 'string' ? body.message : typeof body.detail === 'string' ? body.detail : typeof body.error_description === 'string' ? body.error_description : undefined;
    return { errorCode, message };
  } catch {
    const trimmed = text.trim();
    return { errorCode: undefined, message: trimmed === '' ? undefined : trimmed.slice(0, 300) };
  }
}

/**
 * The error for a failed workspace API call. The message names the call and carries the server's
 * code and message; it is redacted, and the URL has no query string that could hold a credential.
 */
export function apiError(status: number, bodyText: string, method: string, url: string, secrets: readonly (string | undefined)[]): HttpError {
  const { errorCode, message } = parseErrorBody(bodyText);
  let code: ErrorCode = (errorCode !== undefined ? CODE_BY_SERVER_CODE[errorCode] : undefined) ?? 'HTTP';
  if (code === 'HTTP' && status === 404) code = 'NOT_FOUND';
  if (code === 'HTTP' && status === 409) code = 'ALREADY_EXISTS';
  const safeUrl = redactUrl(url);
  const where = safeUrl.replace(/^https?:\/\/[^/]+/, '');
  const hint =
    status === 401
      ? 'the token or OAuth credentials were not accepted: check DATABRICKS_TOKEN or the profile in ~/.databrickscfg'
      : status === 403 && (errorCode === 'PERMISSION_DENIED' || errorCode === undefined)
        ? 'the caller lacks a privilege on the object; ask its owner or a metastore admin for a GRANT'
        : undefined;
  const text = `Databricks ${method} ${where} failed with ${status}${errorCode ? ` ${errorCode}` : ''}${message ? `: ${message}` : ''}`;
  return new HttpError(
    redactSecrets(text, secrets),
    {
      status,
      method,
      url: safeUrl,
      ...(errorCode ? { serverCode: errorCode } : {}),
      details: { status, ...(errorCode ? { errorCode } : {}), ...(hint ? { hint } : {}) },
    },
    code,
  );
}
