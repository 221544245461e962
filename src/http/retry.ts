import { MlopsError, throwIfAborted } from '../errors.js';

/**
 * The one retry policy for every remote call (MLflow REST, Databricks REST, cloud storage through
 * presigned URLs; a Spark Connect client can use it too: nothing here is HTTP-specific beyond the
 * status numbers). Pure decisions (shouldRetry, retryDelay, parseRetryAfter) and one loop
 * (withRetries) that asks them.
 *
 * Retried:
 * - 408, 425, 429 and 503: the server refused before doing anything, so any request may be sent again;
 * - 500, 502, 504 and network failures (connection refused or reset, timeouts): only requests that
 *   are idempotent (GET, HEAD, PUT, DELETE, OPTIONS) or marked safe to repeat by their caller — the
 *   server may have done the work — and a 500 only when the server's error code does not say the
 *   failure is lasting;
 * - a create that is not safe to repeat may still be retried when its caller gives `recover`:
 *   before sending again, recover looks for what the lost attempt created (no duplicate runs or
 *   model versions).
 * Never retried: any other 4xx (the request is wrong or not allowed), 501 and 505+, a 500 with a
 * lasting error code, and anything once the caller's signal has fired.
 * Waits: exponential backoff with jitter (between half and all of base·2^(n-1), at most maxDelayMs),
 * or the server's Retry-After when it sent one, capped at maxRetryAfterMs.
 */

export interface RetryPolicy {
  /** Attempts after the first; 0 disables retries. */
  maxRetries: number;
  /** The first backoff; each further retry doubles it (with jitter). */
  baseDelayMs: number;
  /** No computed backoff is longer than this. */
  maxDelayMs: number;
  /** The longest Retry-After honoured; a server asking for more is waited on this long. */
  maxRetryAfterMs: number;
}

/** Like MLflow's own client (5 retries, backoff factor 2), with jitter so clients spread out. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

/** Answers that refuse a request before any work: safe to send again whatever the request. */
export const REFUSAL_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 503]);
/** Answers after which the server may have acted: sent again only when that is harmless. */
export const MAYBE_APPLIED_STATUSES: ReadonlySet<number> = new Set([500, 502, 504]);
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * Server error codes (MLflow's and Databricks' `error_code`) that say a 500 will not go away on
 * its own: such a 500 is not retried.
 */
export const LASTING_SERVER_ERROR_CODES: ReadonlySet<string> = new Set(['DATA_LOSS', 'INVALID_STATE', 'NOT_IMPLEMENTED']);

export interface FailureFacts {
  /** The HTTP status, or undefined when no answer came (network error, timeout). */
  status: number | undefined;
  method: string;
  /** The caller knows that sending the request twice does no harm (e.g. MLflow's log and set calls). */
  safeToRepeat?: boolean;
  /** The caller can find what a lost attempt created (see withRetries' recover). */
  canRecover?: boolean;
  serverCode?: string | undefined;
}

/** Whether a failed attempt may be sent again (see the list at the top of this file). */
export function shouldRetry(facts: FailureFacts): boolean {
  const { status } = facts;
  if (status !== undefined && REFUSAL_STATUSES.has(status)) return true;
  const repeatable = IDEMPOTENT_METHODS.has(facts.method.toUpperCase()) || facts.safeToRepeat === true || facts.canRecover === true;
  if (!repeatable) return false;
  if (status === undefined) return true;
  if (!MAYBE_APPLIED_STATUSES.has(status)) return false;
  return status !== 500 || facts.serverCode === undefined || !LASTING_SERVER_ERROR_CODES.has(facts.serverCode);
}

/** Whether the server may have acted on an attempt that failed this way (a lost connection: maybe). */
export function mayHaveBeenApplied(status: number | undefined): boolean {
  return status === undefined || !REFUSAL_STATUSES.has(status);
}

/**
 * Milliseconds a Retry-After header asks for: delta-seconds or an HTTP date. undefined when the
 * header is absent or unreadable; never negative.
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its weekday and month; anything else ("-3", "soon") is unreadable.
  if (!/^[A-Za-z]{3},/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The wait before retry number `retry` (1 for the first retry): the server's Retry-After when it
 * gave one (capped), else exponential backoff with jitter between half and all of the step.
 */
export function retryDelay(retry: number, policy: RetryPolicy, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return backoffDelay(retry, { baseDelayMs: policy.baseDelayMs, multiplier: 2, maxDelayMs: policy.maxDelayMs, jitter: 'half' }, random());
}

/** How a backoff grows and how it is spread out. */
export interface BackoffShape {
  /** The wait before the first retry (before jitter). */
  baseDelayMs: number;
  /** Each further retry waits this many times longer. */
  multiplier: number;
  /** No step is longer than this. */
  maxDelayMs: number;
  /**
   * `half`: a random wait between half and all of the step (the REST clients);
   * `{ extraMs, fromMs }`: up to extraMs added once the step is at least fromMs (the Spark Connect
   * client, as PySpark's).
   */
  jitter: 'half' | { extraMs: number; fromMs: number };
}

/**
 * The one backoff computation of every retry loop: the wait before retry number `retry` (1 for the
 * first), base·multiplier^(retry-1) capped at maxDelayMs, with jitter; `random` in [0, 1).
 */
export function backoffDelay(retry: number, shape: BackoffShape, random: number): number {
  const step = Math.min(shape.maxDelayMs, shape.baseDelayMs * shape.multiplier ** Math.max(0, retry - 1));
  if (shape.jitter === 'half') return Math.round(step / 2 + (random * step) / 2);
  return step >= shape.jitter.fromMs ? step + Math.floor(random * shape.jitter.extraMs) : step;
}

export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Waits, or throws ABORTED as soon as the signal fires. */
export const abortableSleep: SleepFn = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new MlopsError('ABORTED', 'The operation was aborted', { cause: signal.reason }));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new MlopsError('ABORTED', 'The operation was aborted while waiting to retry', { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** One failed attempt, as the transport saw it. */
export interface AttemptFailure {
  /** What to throw when this is the last attempt. */
  error: Error;
  /** undefined for network errors and timeouts. */
  status: number | undefined;
  retryAfterMs?: number | undefined;
  serverCode?: string | undefined;
}

export type AttemptOutcome<T> = { value: T } | { failure: AttemptFailure };

export interface RetryEvent {
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  /** `HTTP 503` or the network error's message. */
  reason: string;
}

export interface WithRetriesOptions<T> {
  method: string;
  policy?: Partial<RetryPolicy>;
  safeToRepeat?: boolean;
  /**
   * For a request that is not safe to repeat: asked after a failure the server may have acted on,
   * before sending again; what it finds is the result and nothing is sent again.
   */
  recover?: (signal: AbortSignal | undefined) => Promise<T | undefined>;
  signal?: AbortSignal;
  sleep?: SleepFn;
  random?: () => number;
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Sends with `attempt` until it succeeds, fails in a way that is not retried, or the policy's
 * retries are spent (the last failure's error is thrown, saying how many attempts were made when
 * there was more than one).
 */
export async function withRetries<T>(attempt: (retry: number) => Promise<AttemptOutcome<T>>, options: WithRetriesOptions<T>): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const sleep = options.sleep ?? abortableSleep;
  for (let retry = 0; ; retry += 1) {
    throwIfAborted(options.signal);
    const outcome = await attempt(retry);
    if ('value' in outcome) return outcome.value;
    const { failure } = outcome;
    const retryable = shouldRetry({
      status: failure.status,
      method: options.method,
      ...(options.safeToRepeat ? { safeToRepeat: true } : {}),
      ...(options.recover ? { canRecover: true } : {}),
      serverCode: failure.serverCode,
    });
    if (!retryable || retry >= policy.maxRetries) {
      if (retry > 0 && failure.error instanceof MlopsError && !/gave up after/.test(failure.error.message)) {
        failure.error.message = `${failure.error.message} (gave up after ${retry + 1} attempts)`;
      }
      throw failure.error;
    }
    const delayMs = retryDelay(retry + 1, policy, failure.retryAfterMs, options.random);
    options.onRetry?.({ retry: retry + 1, delayMs, reason: failure.status === undefined ? failure.error.message : `HTTP ${failure.status}` });
    await sleep(delayMs, options.signal);
    if (options.recover !== undefined && mayHaveBeenApplied(failure.status)) {
      const recovered = await options.recover(options.signal);
      if (recovered !== undefined) return recovered;
    }
  }
}
