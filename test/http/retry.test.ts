import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, mayHaveBeenApplied, parseRetryAfter, retryDelay, shouldRetry, withRetries } from '../../src/http/retry.js';
import { MlflowHttpClient } from '../../src/tracking/rest/http-client.js';
import { StorageClient } from '../../src/workspace/databricks/cloud-storage.js';
import { PatCredentials } from '../../src/workspace/databricks/credentials.js';
import { DatabricksClient } from '../../src/workspace/databricks/http-client.js';
import { json, useScriptedServers } from '../helpers/scripted-server.js';

describe('retry policy', () => {
  it('retries refusals (408, 425, 429, 503) for every method', () => {
    for (const status of [408, 425, 429, 503]) for (const method of ['GET', 'POST', 'PATCH']) expect(shouldRetry({ status, method })).toBe(true);
  });

  it('retries 500, 502, 504 and lost connections only when repeating is harmless', () => {
    for (const status of [500, 502, 504, undefined]) {
      expect(shouldRetry({ status, method: 'GET' })).toBe(true);
      expect(shouldRetry({ status, method: 'PUT' })).toBe(true);
      expect(shouldRetry({ status, method: 'POST' })).toBe(false);
      expect(shouldRetry({ status, method: 'POST', safeToRepeat: true })).toBe(true);
      expect(shouldRetry({ status, method: 'POST', canRecover: true })).toBe(true);
    }
  });

  it('never retries other 4xx, 501, 505, nor a 500 whose error code says it is lasting', () => {
    for (const status of [400, 401, 403, 404, 405, 409, 413, 501, 505]) expect(shouldRetry({ status, method: 'GET' })).toBe(false);
    expect(shouldRetry({ status: 500, method: 'GET', serverCode: 'INTERNAL_ERROR' })).toBe(true);
    expect(shouldRetry({ status: 500, method: 'GET', serverCode: 'DATA_LOSS' })).toBe(false);
    expect(shouldRetry({ status: 500, method: 'GET', serverCode: 'INVALID_STATE' })).toBe(false);
  });

  it('treats lost connections and 5xx answers as possibly applied, refusals as not', () => {
    expect([undefined, 500, 502, 504].every(mayHaveBeenApplied)).toBe(true);
    expect([408, 425, 429, 503].some(mayHaveBeenApplied)).toBe(false);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
    expect(parseRetryAfter('Thu, 26 Nov 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
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

describe('withRetries', () => {
  it('asks recover before sending a create again after a failure the server may have acted on, and not after a refusal', async () => {
    const sent: string[] = [];
    const answers = [{ status: 429 }, { status: 502 }];
    const result = await withRetries(
      async () => {
        const next = answers.shift();
        sent.push(next ? `HTTP ${next.status}` : 'ok');
        return next ? { failure: { error: new MlopsError('HTTP', `HTTP ${next.status}`), status: next.status } } : { value: 'created' };
      },
      { method: 'POST', policy: { baseDelayMs: 1 }, recover: async () => (sent.length === 2 ? 'found the lost one' : undefined) },
    );
    expect(sent).toEqual(['HTTP 429', 'HTTP 502']);
    expect(result).toBe('found the lost one');
  });

  it('says how many attempts it made when it gives up, and stops at once when the signal fires', async () => {
    const failing = async () => ({ failure: { error: new MlopsError('HTTP', 'down'), status: 503 } });
    await expect(withRetries(failing, { method: 'GET', policy: { maxRetries: 2, baseDelayMs: 1 } })).rejects.toThrow('down (gave up after 3 attempts)');
    const controller = new AbortController();
    const waiting = withRetries(failing, { method: 'GET', policy: { baseDelayMs: 60_000 }, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

/**
 * The same faults, injected by a real HTTP server on port 0, seen through each client that uses the
 * shared policy: MLflow REST, Databricks REST and cloud storage.
 */
describe('one policy in every client', () => {
  const startServer = useScriptedServers();
  const noWait = async () => undefined;

  function clients(url: string) {
    const mlflow = new MlflowHttpClient({ baseUrl: url, retry: { baseDelayMs: 1 } });
    const databricks = new DatabricksClient({ host: url, credentials: new PatCredentials('dapi-test-token'), sleep: noWait });
    const storage = new StorageClient({ sleep: noWait });
    return {
      mlflow: (method: string) => mlflow.request(method, '/x', method === 'GET' ? {} : { json: {}, safeToRepeat: false }),
      databricks: (method: string) => databricks.json(method, '/x', method === 'GET' ? {} : { json: {} }),
      storage: async (method: string) => {
        const response = await storage.send({ method: method as 'GET' | 'PATCH', url: `${url}/x`, ...(method === 'GET' ? {} : { body: new Uint8Array(1) }) });
        if (response.status >= 300) throw new MlopsError('HTTP', `storage ${response.status}`);
        return JSON.parse(new TextDecoder().decode(response.body)) as unknown;
      },
    };
  }

  it('retries 429 (honouring Retry-After), 503 and 502 on a GET, and answers with the final success', async () => {
    for (const name of ['mlflow', 'databricks', 'storage'] as const) {
      const server = await startServer((n, _request, response) => {
        if (n === 0) return json(response, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED' }, { 'Retry-After': '0' });
        if (n === 1) return json(response, 503, { error_code: 'TEMPORARILY_UNAVAILABLE' });
        if (n === 2) return json(response, 502, {});
        json(response, 200, { ok: name });
      });
      expect(await clients(server.url)[name]('GET'), name).toEqual({ ok: name });
      expect(server.requests.map((r) => r.method), name).toEqual(['GET', 'GET', 'GET', 'GET']);
    }
  });

  it('sends a POST or PATCH that is not safe to repeat once after a 502, but again after a 429', async () => {
    for (const name of ['mlflow', 'databricks', 'storage'] as const) {
      const method = name === 'storage' ? 'PATCH' : 'POST';
      const server = await startServer((n, _request, response) => (n === 0 ? json(response, 502, {}) : json(response, 200, {})));
      await expect(clients(server.url)[name](method), name).rejects.toThrow(/502/);
      expect(server.requests, name).toHaveLength(1);
      const refusing = await startServer((n, _request, response) => (n === 0 ? json(response, 429, {}, { 'Retry-After': '0' }) : json(response, 200, { ok: true })));
      expect(await clients(refusing.url)[name](method), name).toEqual({ ok: true });
      expect(refusing.requests, name).toHaveLength(2);
    }
  });

  it('never retries a 404 or a 400', async () => {
    for (const name of ['mlflow', 'databricks', 'storage'] as const) {
      for (const status of [400, 404]) {
        const server = await startServer((_n, _request, response) => json(response, status, { error_code: 'INVALID_PARAMETER_VALUE', message: 'no' }));
        await expect(clients(server.url)[name]('GET'), name).rejects.toThrow();
        expect(server.requests, `${name} ${status}`).toHaveLength(1);
      }
    }
  });
});

describe('backoffDelay (the one backoff computation)', () => {
  it('grows by the multiplier up to the cap, with half-to-full jitter or additive jitter past a threshold', () => {
    const half = { baseDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 'half' as const };
    expect([1, 2, 3, 4, 5, 9].map((retry) => backoffDelay(retry, half, 0.999999))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, half, 0)).toBe(200);
    const additive = { baseDelayMs: 50, multiplier: 4, maxDelayMs: 60_000, jitter: { extraMs: 500, fromMs: 2000 } };
    expect(backoffDelay(3, additive, 0.5)).toBe(800);
    expect(backoffDelay(4, additive, 0.5)).toBe(3450);
    expect(backoffDelay(12, additive, 0)).toBe(60_000);
  });

  it('is what retryDelay computes when the server gave no Retry-After', () => {
    const policy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };
    for (const retry of [1, 2, 6, 10]) {
      expect(retryDelay(retry, policy, undefined, () => 0.25)).toBe(backoffDelay(retry, { baseDelayMs: 500, multiplier: 2, maxDelayMs: 30_000, jitter: 'half' }, 0.25));
    }
  });
});
