import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, isRetryableStatus, mayHaveBeenApplied, parseRetryAfter, retryDelay } from '../../../src/tracking/rest/retry.js';

describe('retry policy', () => {
  it('retries 408, 429, 502, 503, 504 and a 500 unless MLflow says the failure is lasting', () => {
    expect([408, 429, 502, 503, 504].every((status) => isRetryableStatus(status))).toBe(true);
    expect(isRetryableStatus(500)).toBe(true);
    expect(isRetryableStatus(500, 'INTERNAL_ERROR')).toBe(true);
    expect(isRetryableStatus(500, 'DATA_LOSS')).toBe(false);
    expect(isRetryableStatus(500, 'INVALID_STATE')).toBe(false);
    expect([400, 401, 403, 404, 405, 409, 501].some((status) => isRetryableStatus(status))).toBe(false);
  });

  it('treats lost connections and 5xx answers as possibly applied, refusals as not', () => {
    expect(mayHaveBeenApplied(undefined)).toBe(true);
    expect(mayHaveBeenApplied(500)).toBe(true);
    expect(mayHaveBeenApplied(502)).toBe(true);
    expect(mayHaveBeenApplied(504)).toBe(true);
    expect(mayHaveBeenApplied(429)).toBe(false);
    expect(mayHaveBeenApplied(503)).toBe(false);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 26 Nov 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });

  it('doubles the backoff with jitter, caps it, and prefers (a capped) Retry-After', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };
    expect([1, 2, 3, 4, 5].map((retry) => retryDelay(retry, policy, undefined, () => 1))).toEqual([100, 200, 400, 800, 1_000]);
    expect([1, 2, 3].map((retry) => retryDelay(retry, policy, undefined, () => 0))).toEqual([50, 100, 200]);
    expect(retryDelay(1, policy, 2_000)).toBe(2_000);
    expect(retryDelay(1, policy, 60_000)).toBe(5_000);
  });
});
