import { HttpError, MlopsError } from '../../errors.js';
import { abortableSleep, DEFAULT_RETRY_POLICY, parseRetryAfter, withRetries, type AttemptOutcome, type RetryPolicy, type SleepFn } from '../../http/retry.js';
import type { FetchFn } from './credentials.js';
import { redactSecrets, redactUrl } from '../../redact.js';

/**
 * Requests to cloud storage through presigned / SAS URLs handed out by the workspace. They carry
 * their own credential in the URL, so they must never get the workspace Authorization header
 * (storage services reject a second auth mechanism, and the token must not leave the workspace).
 */
export interface StorageRequest {
  method: 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** A PATCH (or POST) that does no harm when sent twice, e.g. an ADLS append or flush at an explicit position. */
  safeToRepeat?: boolean;
  signal?: AbortSignal;
}

export interface StorageResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

export interface StorageClientOptions {
  fetch?: FetchFn;
  sleep?: SleepFn;
  /** The shared retry policy (src/http/retry.ts). */
  retry?: Partial<RetryPolicy>;
  random?: () => number;
}

export class StorageClient {
  readonly #fetch: FetchFn;
  readonly #sleep: SleepFn;
  readonly #policy: RetryPolicy;
  readonly #random: () => number;

  constructor(options: StorageClientOptions = {}) {
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#random = options.random ?? Math.random;
  }

  /**
   * Sends the request, retrying with the shared policy; any final status that is not retried (or
   * the last one once the retries are spent) is returned for the caller to judge.
   */
  async send(request: StorageRequest): Promise<StorageResponse> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if (name.toLowerCase() !== 'authorization') headers[name] = value;
    }
    const attempt = async (): Promise<AttemptOutcome<StorageResponse>> => {
      let response: Response;
      try {
        response = await this.#fetch(request.url, {
          method: request.method,
          headers,
          ...(request.body !== undefined ? { body: request.body } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
        });
      } catch (error) {
        if (request.signal?.aborted) throw new MlopsError('ABORTED', `Cloud storage ${request.method} was aborted`, { cause: request.signal.reason });
        const failure = new MlopsError('HTTP', `Cloud storage ${request.method} ${redactUrl(request.url)} could not be reached: ${redactSecrets((error as Error).message)}`, {
          cause: error,
          details: { url: redactUrl(request.url) },
        });
        return { failure: { error: failure, status: undefined } };
      }
      const body = request.method === 'HEAD' ? new Uint8Array() : new Uint8Array(await response.arrayBuffer());
      const answer = { status: response.status, headers: response.headers, body };
      if (response.ok) return { value: answer };
      // The last answer is returned, not thrown: expectOk and the callers judge statuses themselves.
      return { failure: { error: new FinalAnswer(answer), status: response.status, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) } };
    };
    try {
      return await withRetries(attempt, {
        method: request.method,
        policy: this.#policy,
        sleep: this.#sleep,
        random: this.#random,
        ...(request.safeToRepeat ? { safeToRepeat: true } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
    } catch (error) {
      if (error instanceof FinalAnswer) return error.response;
      throw error;
    }
  }

  /** Like send, but throws for anything other than 2xx (an expired URL gives code URL_EXPIRED). */
  async expectOk(request: StorageRequest, what: string): Promise<StorageResponse> {
    const response = await this.send(request);
    if (response.status >= 200 && response.status < 300) return response;
    throw storageError(response, request, what);
  }
}

/**
 * The two "URL expired" answers the Databricks SDKs recognise: Azure's AuthenticationFailed with
 * "Signature not valid in the specified time frame", and S3's AccessDenied "Request has expired".
 */
export function isExpiredUrlResponse(response: { status: number; body: Uint8Array }): boolean {
  if (response.status !== 403) return false;
  const text = new TextDecoder().decode(response.body);
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  if (code === 'AuthenticationFailed') return /Signature not valid in the specified time frame/.test(text);
  if (code === 'AccessDenied') return /<Message>Request has expired<\/Message>/.test(text);
  return false;
}

export function storageError(response: StorageResponse, request: StorageRequest, what: string): HttpError {
  const text = new TextDecoder().decode(response.body);
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1]?.split('\n')[0];
  const expired = isExpiredUrlResponse(response);
  return new HttpError(
    `${what}: cloud storage ${request.method} ${redactUrl(request.url)} failed with ${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}${expired ? ' (the presigned URL expired)' : ''}`,
    { status: response.status, method: request.method, url: redactUrl(request.url), serverCode: expired ? 'URL_EXPIRED' : (code ?? String(response.status)) },
  );
}

/** Appends query parameters to a URL that may already carry a SAS query string. */
export function withQuery(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(params)) parsed.searchParams.append(key, value);
  return parsed.toString();
}

/** Carries a non-2xx answer out of the retry loop, to be returned rather than thrown. */
class FinalAnswer extends Error {
  constructor(readonly response: StorageResponse) {
    super(`cloud storage answered ${response.status}`);
  }
}
