import { HttpError, MlopsError } from '../../errors.js';
import type { AuthHeaderProvider } from './auth.js';
import { redactSecrets } from '../../redact.js';
import { errorCodeFromMlflow } from './errors.js';
import { abortableSleep, DEFAULT_RETRY_POLICY, parseRetryAfter, withRetries, type AttemptOutcome, type RetryPolicy } from '../../http/retry.js';

export interface RetryEvent {
  method: string;
  /** The URL without credentials. */
  url: string;
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  /** e.g. `HTTP 503` or `network error: connect ECONNREFUSED`. */
  reason: string;
}

export interface MlflowHttpClientOptions {
  /** The server's base URL (http:// or https://, optionally with a path prefix), without credentials. */
  baseUrl: string;
  /** Defaults to the global fetch; the Databricks backend passes its own. */
  fetch?: typeof globalThis.fetch;
  /** The Authorization header for each request (Bearer, Basic, or a Databricks OAuth token). */
  auth?: AuthHeaderProvider;
  /**
   * Further credential headers for each request, produced when it is sent (an Azure service
   * principal's X-Databricks-Azure-SP-Management-Token, refreshed like its Authorization token).
   */
  authHeaders?: () => Promise<Record<string, string>>;
  /** Strings that must never appear in an error message (tokens, passwords). */
  secrets?: readonly string[];
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  retry?: Partial<RetryPolicy>;
  /** Per attempt; MLflow's client waits 120 s by default. */
  timeoutMs?: number;
  random?: () => number;
  onRetry?: (event: RetryEvent) => void;
}

export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface RequestOptions<T> {
  query?: Record<string, QueryValue>;
  /** A JSON body (sent with Content-Type: application/json). */
  json?: unknown;
  /** A raw body, e.g. an artifact upload. */
  body?: Uint8Array | string;
  contentType?: string;
  signal?: AbortSignal;
  /** 'json' (default): the parsed body, {} when empty. 'bytes': the raw body. */
  responseType?: 'json' | 'bytes';
  /**
   * For requests that are not idempotent (creating a run or a model version). Before a retry
   * that follows a failure the server may have acted on (5xx, lost connection, timeout), this is
   * asked first: when it finds what the earlier attempt created, that is the result and nothing
   * is sent again.
   */
  recover?: (signal: AbortSignal | undefined) => Promise<T | undefined>;
  /** Turns an error response into a different error (e.g. a proxy's 500 for a missing file into NOT_FOUND); return undefined to keep the default. */
  mapError?: (error: HttpError) => MlopsError | undefined;
  /**
   * Whether sending the request twice does no harm. Default true: MLflow's log, set and delete
   * calls are, and MLflow's own client retries them all; creates pass `recover` instead.
   */
  safeToRepeat?: boolean;
}

const USER_AGENT = 'mlops-e2e (MLflow REST client)';

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) return `${error.message}: ${(cause as { code?: string }).code ?? cause.message}`;
  return error.message;
}

/**
 * fetch for an MLflow server: JSON in and out, MLflow's error bodies as typed errors, retries
 * with backoff on 429/5xx and network errors (honouring Retry-After), a timeout per attempt,
 * and `signal` to stop. Counts its requests so callers (and benchmarks) can see the traffic.
 */
export class MlflowHttpClient {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly auth: AuthHeaderProvider | undefined;
  private readonly authHeaders: (() => Promise<Record<string, string>>) | undefined;
  private readonly secrets: readonly string[];
  private readonly headers: Record<string, string>;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly random: () => number;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;
  /** HTTP requests sent, including retries. */
  requestCount = 0;

  constructor(options: MlflowHttpClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (error) {
      throw new MlopsError('CONFIG_INVALID', `MLflow tracking URI '${options.baseUrl}' is not a valid URL`, { cause: error });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new MlopsError('CONFIG_INVALID', `MLflow tracking URI '${url.protocol}//${url.host}' must be http:// or https://`);
    }
    if (url.username !== '' || url.password !== '') {
      throw new MlopsError('CONFIG_INVALID', 'Pass credentials through auth, not inside the MLflow base URL', { details: { host: url.host } });
    }
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.auth = options.auth;
    this.authHeaders = options.authHeaders;
    this.secrets = options.secrets ?? [];
    this.headers = options.headers ?? {};
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.random = options.random ?? Math.random;
    this.onRetry = options.onRetry;
  }

  /** The absolute URL of an API path such as `/api/2.0/mlflow/runs/get`. */
  url(path: string, query: Record<string, QueryValue> = {}): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) search.append(key, item);
      else search.append(key, String(value));
    }
    const text = search.toString();
    return `${this.baseUrl}${path}${text === '' ? '' : `?${text}`}`;
  }

  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions<T> = {}): Promise<T> {
    const url = this.url(path, options.query);
    const shownUrl = this.redact(url);
    const body = options.json !== undefined ? JSON.stringify(options.json) : options.body;
    const contentType = options.json !== undefined ? 'application/json' : options.contentType;
    return withRetries((retry) => this.attempt<T>(method, url, shownUrl, body, contentType, options), {
      method,
      policy: this.policy,
      random: this.random,
      sleep: abortableSleep,
      ...(options.safeToRepeat === false ? {} : { safeToRepeat: options.recover === undefined }),
      ...(options.recover ? { recover: options.recover } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(this.onRetry ? { onRetry: (event) => this.onRetry?.({ method, url: shownUrl, ...event }) } : {}),
    });
  }

  private async attempt<T>(
    method: string,
    url: string,
    shownUrl: string,
    body: Uint8Array | string | undefined,
    contentType: string | undefined,
    options: RequestOptions<T>,
  ): Promise<AttemptOutcome<T>> {
    if (options.signal?.aborted) throw new MlopsError('ABORTED', `${method} ${shownUrl} was aborted`, { cause: options.signal.reason });
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...this.headers };
    if (contentType !== undefined) headers['Content-Type'] = contentType;
    const authorization = await this.auth?.();
    if (authorization !== undefined) headers['Authorization'] = authorization;
    if (this.authHeaders !== undefined) Object.assign(headers, await this.authHeaders());
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
    this.requestCount += 1;
    let response: Response;
    let bytes: Uint8Array;
    try {
      response = await this.fetchImpl(url, { method, headers, ...(body === undefined ? {} : { body }), signal });
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      if (options.signal?.aborted) throw new MlopsError('ABORTED', `${method} ${shownUrl} was aborted`, { cause: options.signal.reason });
      const reason = timeout.aborted ? `timed out after ${this.timeoutMs} ms` : `network error: ${this.redact(describeNetworkError(error))}`;
      return { failure: { status: undefined, error: new MlopsError('HTTP', `MLflow ${method} ${shownUrl} failed: ${reason}`, { cause: error, details: { method, url: shownUrl } }) } };
    }
    if (response.ok) {
      if (options.responseType === 'bytes') return { value: bytes as T };
      return { value: this.parseJson(bytes, method, shownUrl) as T };
    }
    const { errorCode, message } = this.parseErrorBody(bytes);
    const text = `MLflow ${method} ${shownUrl} failed with HTTP ${response.status}${errorCode === undefined ? '' : ` ${errorCode}`}: ${message}`;
    const httpError = new HttpError(
      this.redact(text),
      { status: response.status, method, url: shownUrl, ...(errorCode === undefined ? {} : { serverCode: errorCode }), details: { method, url: shownUrl, status: response.status, errorCode } },
      errorCodeFromMlflow(errorCode),
    );
    const mapped = options.mapError?.(httpError);
    // A mapped error is the answer (e.g. NOT_FOUND), never worth another attempt.
    if (mapped !== undefined) throw mapped;
    return { failure: { status: response.status, error: httpError, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()), serverCode: errorCode } };
  }

  private parseJson(bytes: Uint8Array, method: string, shownUrl: string): unknown {
    const text = new TextDecoder().decode(bytes);
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new MlopsError('HTTP', `MLflow ${method} ${shownUrl} answered 2xx with a body that is not JSON: ${this.redact(text.slice(0, 120))}`, { cause: error });
    }
  }

  /** MLflow's {error_code, message}; anything else (an HTML page from a proxy) is summarised. */
  private parseErrorBody(bytes: Uint8Array): { errorCode: string | undefined; message: string } {
    const text = new TextDecoder().decode(bytes);
    try {
      const parsed = JSON.parse(text) as { error_code?: unknown; message?: unknown };
      if (typeof parsed === 'object' && parsed !== null && typeof parsed.error_code === 'string') {
        return { errorCode: parsed.error_code, message: typeof parsed.message === 'string' ? parsed.message : '' };
      }
    } catch {
      // Not JSON: fall through.
    }
    const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
    const summary = (title ?? text).replace(/\s+/g, ' ').trim();
    return { errorCode: undefined, message: summary.length > 200 ? `${summary.slice(0, 197)}...` : summary || '(empty body)' };
  }
}
