import { Code } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SPARK_RETRY_POLICY, isRetryableSparkError, isRetryableStreamError, sparkRetryDelay } from '../../src/spark/retry-policy.js';

describe('Spark retry policy', () => {
  it('retries UNAVAILABLE and a disconnected cursor, nothing else', () => {
    expect(isRetryableSparkError(Code.Unavailable, 'connection refused')).toBe(true);
    expect(isRetryableSparkError(Code.Internal, '[INVALID_CURSOR.DISCONNECTED] gone')).toBe(true);
    expect(isRetryableSparkError(Code.Internal, 'boom')).toBe(false);
    expect(isRetryableSparkError(Code.InvalidArgument, 'x')).toBe(false);
    expect(isRetryableSparkError(undefined, 'x')).toBe(false);
  });

  it('backs off exponentially, capped, with jitter only on long waits', () => {
    const p = DEFAULT_SPARK_RETRY_POLICY;
    expect(sparkRetryDelay(p, 1, 0.99)).toBe(50);
    expect(sparkRetryDelay(p, 2, 0.99)).toBe(200);
    expect(sparkRetryDelay(p, 3, 0)).toBe(800);
    expect(sparkRetryDelay(p, 4, 0)).toBe(3200);
    expect(sparkRetryDelay(p, 4, 0.5)).toBe(3450);
    expect(sparkRetryDelay(p, 20, 0)).toBe(60_000);
    const total = Array.from({ length: p.maxRetries }, (_, i) => sparkRetryDelay(p, i + 1, 0)).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(5 * 60_000);
    expect(total).toBeLessThan(15 * 60_000);
  });
});

describe('isRetryableStreamError', () => {
  it('treats a stream the transport lost as reattachable, unless the client cancelled it', () => {
    expect(isRetryableStreamError(Code.Canceled, 'http/2 stream closed with error code CANCEL (0x8)', false)).toBe(true);
    expect(isRetryableStreamError(Code.Canceled, 'operation was aborted', true)).toBe(false);
    expect(isRetryableStreamError(Code.Internal, 'read ECONNRESET', false)).toBe(true);
    expect(isRetryableStreamError(Code.Internal, '[DIVIDE_BY_ZERO] Division by zero', false)).toBe(false);
    expect(isRetryableStreamError(Code.Unavailable, 'x', true)).toBe(true);
  });
});
