import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../src/errors.js';
import { MlflowHttpClient, type RetryEvent } from '../../../src/tracking/rest/http-client.js';
import { rejectedMlopsError } from '../../helpers/errors.js';
import { json, useScriptedServers } from '../../helpers/scripted-server.js';

const scripted = useScriptedServers();

describe('MlflowHttpClient retries', () => {
  it('retries 429 after the Retry-After the server asked for, not the (shorter) backoff', async () => {
    const server = await scripted((n, _request, response) => (n === 0 ? json(response, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }, { 'Retry-After': '1' }) : json(response, 200, { ok: true })));
    const events: RetryEvent[] = [];
    const client = new MlflowHttpClient({ baseUrl: server.url, retry: { baseDelayMs: 1 }, onRetry: (event) => events.push(event) });
    expect(await client.request('GET', '/api/2.0/mlflow/experiments/get')).toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect(events).toEqual([expect.objectContaining({ retry: 1, delayMs: 1000, reason: 'HTTP 429' })]);
  });

  it('backs off on 5xx and gives up after maxRetries with a typed error carrying the status and error_code', async () => {
    const server = await scripted((_n, _request, response) => json(response, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'maintenance' }));
    const events: RetryEvent[] = [];
    const client = new MlflowHttpClient({ baseUrl: server.url, retry: { maxRetries: 3, baseDelayMs: 20 }, random: () => 1, onRetry: (event) => events.push(event) });
    const error = await rejectedMlopsError(client.request('POST', '/api/2.0/mlflow/runs/update', { json: {} }));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'HTTP', status: 503, serverCode: 'TEMPORARILY_UNAVAILABLE' });
    expect(error.message).toContain('maintenance');
    expect(server.requests).toHaveLength(4);
    // Exponential: 20, 40, 80 ms (random() = 1 takes the full step).
    expect(events.map((event) => event.delayMs)).toEqual([20, 40, 80]);
  });

  it('retries a 500 without a deterministic MLflow error code, but not DATA_LOSS or a 4xx', async () => {
    const flaky = await scripted((n, _request, response) => (n === 0 ? json(response, 500, { error_code: 'INTERNAL_ERROR', message: 'db locked' }) : json(response, 200, {})));
    await new MlflowHttpClient({ baseUrl: flaky.url, retry: { baseDelayMs: 1 } }).request('GET', '/x');
    expect(flaky.requests).toHaveLength(2);

    const corrupt = await scripted((_n, _request, response) => json(response, 500, { error_code: 'DATA_LOSS', message: '/store/1/meta.yaml is not valid YAML' }));
    const corruptError = await rejectedMlopsError(new MlflowHttpClient({ baseUrl: corrupt.url, retry: { baseDelayMs: 1 } }).request('GET', '/x'));
    expect(corruptError.code).toBe('CORRUPT');
    expect(corrupt.requests).toHaveLength(1);

    const missing = await scripted((_n, _request, response) => json(response, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run with id=abc not found' }));
    const notFound = await rejectedMlopsError(new MlflowHttpClient({ baseUrl: missing.url, retry: { baseDelayMs: 1 } }).request('GET', '/x'));
    expect(notFound).toMatchObject({ code: 'NOT_FOUND', status: 404, serverCode: 'RESOURCE_DOES_NOT_EXIST' });
    expect(missing.requests).toHaveLength(1);
  });

  it('retries network errors and then says how many attempts it made', async () => {
    // A port that was just free: nothing listens there.
    const probe = await scripted(() => undefined);
    const url = probe.url;
    await probe.close();
    const client = new MlflowHttpClient({ baseUrl: url, retry: { maxRetries: 2, baseDelayMs: 1 } });
    const error = await rejectedMlopsError(client.request('GET', '/api/2.0/mlflow/runs/get'));
    expect(error.code).toBe('HTTP');
    expect(error.message).toMatch(/network error: .*ECONNREFUSED.*gave up after 3 attempts/);
    expect(client.requestCount).toBe(3);
  });

  it('times out each attempt and retries it', async () => {
    const server = await scripted(() => undefined); // never answers
    const client = new MlflowHttpClient({ baseUrl: server.url, timeoutMs: 100, retry: { maxRetries: 1, baseDelayMs: 1 } });
    const error = await rejectedMlopsError(client.request('GET', '/api/2.0/mlflow/runs/get'));
    expect(error.message).toMatch(/timed out after 100 ms.*gave up after 2 attempts/);
    expect(server.requests).toHaveLength(2);
  });

  it('stops at once when the signal is aborted, also while waiting to retry', async () => {
    const server = await scripted((_n, _request, response) => json(response, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }, { 'Retry-After': '30' }));
    const client = new MlflowHttpClient({ baseUrl: server.url });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('user pressed ^C')), 100);
    const error = await rejectedMlopsError(client.request('GET', '/x', { signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(server.requests).toHaveLength(1);
    const already = await rejectedMlopsError(client.request('GET', '/x', { signal: AbortSignal.abort() }));
    expect(already.code).toBe('ABORTED');
    expect(server.requests).toHaveLength(1);
  });

  it('summarises an HTML error page and keeps it a plain HTTP error', async () => {
    const server = await scripted((_n, _request, response) => response.writeHead(404, { 'Content-Type': 'text/html' }).end('<!doctype html><title>404 Not Found</title><h1>Not Found</h1>'));
    const error = await rejectedMlopsError(new MlflowHttpClient({ baseUrl: server.url }).request('GET', '/api/2.0/mlflow/no-such-endpoint'));
    expect(error).toMatchObject({ code: 'HTTP', status: 404 });
    expect(error.message).toBe(`MLflow GET ${server.url}/api/2.0/mlflow/no-such-endpoint failed with HTTP 404: 404 Not Found`);
  });
});
