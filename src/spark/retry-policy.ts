/**
 * When a Spark Connect call is sent again and how long the client waits first. Pure: the client
 * asks and does the waiting. (The REST clients' policy is src/tracking/rest/retry.ts; both share
 * the shape "retryable? → exponential backoff with jitter, capped".)
 */
import { Code } from '@connectrpc/connect';

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
  const backoff = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** Math.max(0, retry - 1));
  return backoff >= policy.jitterThresholdMs ? backoff + Math.floor(random * policy.jitterMs) : backoff;
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
