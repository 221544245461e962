/**
 * When and how long to wait before sending a request again. Pure: the HTTP client asks these
 * functions and does the waiting itself.
 */

export interface RetryPolicy {
  /** Attempts after the first; 0 disables retries. */
  maxRetries: number;
  /** The first backoff; each further retry doubles it (with jitter). */
  baseDelayMs: number;
  /** No computed backoff is longer than this. */
  maxDelayMs: number;
  /** The longest Retry-After we honour; a server asking for more is waited on this long. */
  maxRetryAfterMs: number;
}

/** Like MLflow's own client (5 retries, backoff factor 2), with jitter so clients spread out. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

/** 429 and the gateway/unavailable 5xx are worth another try; 500 depends on the body (see isTransientServerError). */
const ALWAYS_RETRYABLE = new Set([408, 429, 502, 503, 504]);

/**
 * MLflow error codes that say the request was understood and failed for a reason that will not
 * change on its own; a 500 carrying one of these is not retried.
 */
const DETERMINISTIC_500_CODES = new Set(['DATA_LOSS', 'INVALID_STATE', 'NOT_IMPLEMENTED']);

/** True when a response with this status (and MLflow error code, if any) may succeed if sent again. */
export function isRetryableStatus(status: number, mlflowErrorCode?: string): boolean {
  if (ALWAYS_RETRYABLE.has(status)) return true;
  if (status === 500) return mlflowErrorCode === undefined || !DETERMINISTIC_500_CODES.has(mlflowErrorCode);
  return false;
}

/**
 * Whether the server may have acted on a request that failed with this status. A 429 or 503 is
 * a refusal before any work, so even a create can be sent again as is; after a 500, 502, 504 or
 * a lost connection the server may have done the work, so a create must look before it repeats.
 */
export function mayHaveBeenApplied(status: number | undefined): boolean {
  return status === undefined || !(status === 429 || status === 503 || status === 408);
}

/**
 * Milliseconds a Retry-After header asks for: delta-seconds or an HTTP date. undefined when the
 * header is absent or unreadable; never negative.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The wait before retry number `retry` (1 for the first retry): the server's Retry-After when it
 * gave one (capped), else exponential backoff with full jitter between half and all of the step.
 */
export function retryDelay(retry: number, policy: RetryPolicy, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}
