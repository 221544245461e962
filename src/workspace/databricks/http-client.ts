import { HttpError, MlopsError } from '../../errors.js';
import { abortableSleep, DEFAULT_RETRY_POLICY, parseRetryAfter, withRetries, type AttemptOutcome, type RetryPolicy, type SleepFn } from '../../http/retry.js';
import { redactSecrets } from '../../redact.js';
import { apiError } from './api-error.js';
import type { CredentialsProvider, FetchFn } from './credentials.js';

export { abortableSleep, type SleepFn } from '../../http/retry.js';

export interface DatabricksClientOptions {
  /** https://host with no trailing slash. */
  host: string;
  credentials: CredentialsProvider;
  fetch?: FetchFn;
  /** Injectable so tests can observe back-off without waiting. */
  sleep?: SleepFn;
  /** The shared retry policy (src/http/retry.ts), with 6 retries by default here. */
  retry?: Partial<RetryPolicy>;
  /** Jitter source (default Math.random); tests pin it. */
  random?: () => number;
}

export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** A JSON body. */
  json?: unknown;
  /** A raw body (application/octet-stream unless headers say otherwise). */
  data?: Uint8Array;
  headers?: Record<string, string>;
  /** A POST or PATCH that does no harm when sent twice: retried after a 5xx or a lost connection too. */
  safeToRepeat?: boolean;
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/**
 * The workspace REST client: adds the Authorization header, retries with the shared policy
 * (src/http/retry.ts: refusals such as 429 and 503 for every method, other 5xx and network
 * failures for idempotent or safe-to-repeat calls, Retry-After honoured), and turns
 * `{error_code, message}` bodies into typed, redacted errors.
 */
export class DatabricksClient {
  readonly host: string;
  readonly credentials: CredentialsProvider;
  readonly fetch: FetchFn;
  readonly sleep: SleepFn;
  readonly #policy: RetryPolicy;
  readonly #random: () => number;

  constructor(options: DatabricksClientOptions) {
    this.host = options.host.replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.fetch = options.fetch ?? fetch;
    this.sleep = options.sleep ?? abortableSleep;
    this.#policy = { ...DEFAULT_RETRY_POLICY, maxRetries: 6, ...options.retry };
    this.#random = options.random ?? Math.random;
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
    const attempt = async (): Promise<AttemptOutcome<RawResponse>> => {
      const signal = options.signal ? { signal: options.signal } : {};
      headers.Authorization = await this.credentials.authorization(signal);
      if (this.credentials.extraHeaders !== undefined) Object.assign(headers, await this.credentials.extraHeaders(signal));
      let response: Response;
      try {
        response = await this.fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), ...(options.signal ? { signal: options.signal } : {}) });
      } catch (error) {
        if (options.signal?.aborted) throw new MlopsError('ABORTED', `Databricks ${method} ${path} was aborted`, { cause: options.signal.reason });
        const failure = new MlopsError('HTTP', `Databricks ${method} ${this.host}${path} could not be reached: ${this.redact((error as Error).message)}`, {
          cause: error,
          details: { url: `${this.host}${path}` },
        });
        return { failure: { error: failure, status: undefined } };
      }
      if (response.ok) {
        const bytes = method === 'HEAD' ? new Uint8Array() : new Uint8Array(await response.arrayBuffer());
        return { value: { status: response.status, headers: response.headers, body: bytes } };
      }
      const text = method === 'HEAD' ? '' : await response.text();
      const error = apiError(response.status, text, method, url, this.credentials.secrets());
      return { failure: { error, status: response.status, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')), serverCode: error.serverCode } };
    };
    return withRetries(attempt, {
      method,
      policy: this.#policy,
      sleep: this.sleep,
      random: this.#random,
      ...(options.safeToRepeat ? { safeToRepeat: true } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
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
