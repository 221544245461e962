/**
 * When a Spark Connect call is sent again and how long the client waits first. Pure: the client
 * asks and does the waiting. The waits are the project's one backoff computation
 * (src/http/retry.ts backoffDelay); what is retryable is gRPC's own business, so that check is here.
 */
import { Code } from '@connectrpc/connect';
import { backoffDelay } from '../http/retry.js';

export interface SparkRetryPolicy {
  /** Attempts after the first; 0 disables retries. */
  maxRetries: number;
  initialBackoffMs: number;
  /** Each further retry waits this many times longer. */
  multiplier: number;
  maxBackoffMs: number;
  /** Up to this much random extra wait, once the backoff is at least jitterThresholdMs. */
  jitterMs: number;
  jitterThresholdMs: number;
}

/** About 10 minutes of retrying in all before a call gives up, like the PySpark client's default. */
export const DEFAULT_SPARK_RETRY_POLICY: SparkRetryPolicy = {
  maxRetries: 15,
  initialBackoffMs: 50,
  multiplier: 4,
  maxBackoffMs: 60_000,
  jitterMs: 500,
  jitterThresholdMs: 2_000,
};

/**
 * A failure worth sending again: the server could not be reached or went away (UNAVAILABLE), or
 * the server says the result cursor's connection dropped (INVALID_CURSOR.DISCONNECTED).
 */
export function isRetryableSparkError(code: Code | undefined, message: string): boolean {
  if (code === Code.Unavailable) return true;
  if (code === Code.Internal && message.includes('INVALID_CURSOR.DISCONNECTED')) return true;
  return false;
}

/** Milliseconds to wait before retry number `retry` (1 for the first); `random` in [0, 1). */
export function sparkRetryDelay(policy: SparkRetryPolicy, retry: number, random: number = Math.random()): number {
  return backoffDelay(
    retry,
    { baseDelayMs: policy.initialBackoffMs, multiplier: policy.multiplier, maxDelayMs: policy.maxBackoffMs, jitter: { extraMs: policy.jitterMs, fromMs: policy.jitterThresholdMs } },
    random,
  );
}

/**
 * Retries of a first contact whose connection could not even be opened (refused, unknown host):
 * a wrong URL or a server that is not running, told within about a second rather than after the
 * policy's minutes of retrying. A server that accepts the connection but is not ready yet
 * (UNAVAILABLE from a starting cluster) still gets the whole policy.
 */
export const FIRST_CONTACT_CONNECT_RETRIES = 3;

/** The transport could not open a connection at all (nothing listening, or no such host). */
export function isConnectionNotOpened(code: Code | undefined, message: string): boolean {
  return code === Code.Unavailable && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/.test(message);
}

/**
 * For a result stream that can be reattached: also a stream the transport lost (connect-node
 * reports a dropped HTTP/2 connection as CANCELED or as a closed/reset stream) when the client
 * itself did not cancel it.
 */
export function isRetryableStreamError(code: Code | undefined, message: string, canceledByClient: boolean): boolean {
  if (isRetryableSparkError(code, message)) return true;
  if (canceledByClient) return false;
  if (code === Code.Canceled) return true;
  return (code === Code.Internal || code === Code.Unknown) && /http\/2 stream closed|ECONNRESET|socket hang up|GOAWAY|premature close/i.test(message);
}
