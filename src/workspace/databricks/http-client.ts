import { HttpError, MlopsError, throwIfAborted } from '../../errors.js';
import { apiError } from './api-error.js';
import type { CredentialsProvider, FetchFn } from './credentials.js';
import { redactSecrets } from './redact.js';

export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface DatabricksClientOptions {
  /** https://host with no trailing slash. */
  host: string;
  credentials: CredentialsProvider;
  fetch?: FetchFn;
  /** Injectable so tests can observe back-off without waiting. */
  sleep?: SleepFn;
  /** Retries after the first attempt; default 6. */
  maxRetries?: number;
  /** First back-off when the server gives no Retry-After; doubles each time. Default 500 ms. */
  initialBackoffMs?: number;
  /** No single wait is longer than this; default 30 s. */
  maxBackoffMs?: number;
}

export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** A JSON body. */
  json?: unknown;
  /** A raw body (application/octet-stream unless headers say otherwise). */
  data?: Uint8Array;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

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
      reject(new MlopsError('ABORTED', 'The operation was aborted', { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * The workspace REST client: adds the Authorization header, retries 429 (honouring Retry-After) and
 * 503 for every method and other 5xx and network failures for idempotent methods, and turns
 * `{error_code, message}` bodies into typed, redacted errors.
 */
export class DatabricksClient {
  readonly host: string;
  readonly credentials: CredentialsProvider;
  readonly fetch: FetchFn;
  readonly sleep: SleepFn;
  readonly #maxRetries: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;

  constructor(options: DatabricksClientOptions) {
    this.host = options.host.replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.fetch = options.fetch ?? fetch;
    this.sleep = options.sleep ?? abortableSleep;
    this.#maxRetries = options.maxRetries ?? 6;
    this.#initialBackoffMs = options.initialBackoffMs ?? 500;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /** Removes every credential this client knows of from a text. */
  redact(text: string): string {
    return redactSecrets(text, this.credentials.secrets());
  }

  async json<T = Record<string, unknown>>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.raw(method, path, { ...options, headers: { Accept: 'application/json', ...options.headers } });
    if (response.body.byteLength === 0) return {} as T;
    const text = new TextDecoder().decode(response.body);
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new MlopsError('HTTP', `Databricks ${method} ${path} answered ${response.status} with a body that is not JSON: ${this.redact(text.slice(0, 200))}`, {
        cause: error,
        details: { path },
      });
    }
  }

  /** Sends one API call (retrying as above); throws for any status that is not 2xx. */
  async raw(method: string, path: string, options: RequestOptions = {}): Promise<RawResponse> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = { 'User-Agent': 'mlops-e2e/0.1 databricks-client', ...options.headers };
    let body: Uint8Array | string | undefined;
    if (options.json !== undefined) {
      headers['Content-Type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.data !== undefined) {
      headers['Content-Type'] ??= 'application/octet-stream';
      body = options.data;
    }
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(options.signal);
      headers.Authorization = await this.credentials.authorization(options.signal ? { signal: options.signal } : {});
      let response: Response;
      try {
        response = await this.fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), ...(options.signal ? { signal: options.signal } : {}) });
      } catch (error) {
        if (options.signal?.aborted) throw new MlopsError('ABORTED', `Databricks ${method} ${path} was aborted`, { cause: options.signal.reason });
        if (IDEMPOTENT.has(method) && attempt < this.#maxRetries) {
          await this.sleep(this.#backoff(attempt), options.signal);
          continue;
        }
        throw new MlopsError('HTTP', `Databricks ${method} ${this.host}${path} could not be reached: ${this.redact((error as Error).message)}`, {
          cause: error,
          details: { url: `${this.host}${path}` },
        });
      }
      if (response.ok) {
        const bytes = method === 'HEAD' ? new Uint8Array() : new Uint8Array(await response.arrayBuffer());
        return { status: response.status, headers: response.headers, body: bytes };
      }
      const text = method === 'HEAD' ? '' : await response.text();
      const retriable = response.status === 429 || response.status === 503 || (IDEMPOTENT.has(method) && (response.status === 500 || response.status === 502 || response.status === 504));
      if (retriable && attempt < this.#maxRetries) {
        const delay = retryAfterMs(response.headers.get('retry-after')) ?? this.#backoff(attempt);
        await this.sleep(Math.min(delay, this.#maxBackoffMs), options.signal);
        continue;
      }
      throw apiError(response.status, text, method, url, this.credentials.secrets());
    }
  }

  url(path: string, query: Record<string, QueryValue> | undefined): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) search.append(key, item);
      else search.append(key, String(value));
    }
    const qs = search.toString();
    return `${this.host}${path}${qs === '' ? '' : `?${qs}`}`;
  }

  #backoff(attempt: number): number {
    return Math.min(this.#initialBackoffMs * 2 ** attempt, this.#maxBackoffMs);
  }
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Encodes each segment of an absolute path for use after an API prefix (keeps the slashes). */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

export function isHttpStatus(error: unknown, status: number): boolean {
  return error instanceof HttpError && error.status === status;
}
