import { HttpError, MlopsError, throwIfAborted } from '../../errors.js';
import type { FetchFn } from './credentials.js';
import { abortableSleep, retryAfterMs, type SleepFn } from './http-client.js';
import { redactUrl } from './redact.js';

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
  maxRetries?: number;
  initialBackoffMs?: number;
}

const RETRIABLE = new Set([408, 429, 500, 502, 503, 504]);

export class StorageClient {
  readonly #fetch: FetchFn;
  readonly #sleep: SleepFn;
  readonly #maxRetries: number;
  readonly #initialBackoffMs: number;

  constructor(options: StorageClientOptions = {}) {
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#maxRetries = options.maxRetries ?? 5;
    this.#initialBackoffMs = options.initialBackoffMs ?? 500;
  }

  /** Sends the request (retrying transient failures); returns any final status for the caller to judge. */
  async send(request: StorageRequest): Promise<StorageResponse> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if (name.toLowerCase() !== 'authorization') headers[name] = value;
    }
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(request.signal);
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
        if (attempt < this.#maxRetries) {
          await this.#sleep(this.#initialBackoffMs * 2 ** attempt, request.signal);
          continue;
        }
        throw new MlopsError('HTTP', `Cloud storage ${request.method} ${redactUrl(request.url)} could not be reached: ${(error as Error).message}`, {
          cause: error,
          details: { url: redactUrl(request.url) },
        });
      }
      if (RETRIABLE.has(response.status) && attempt < this.#maxRetries) {
        await response.arrayBuffer().catch(() => undefined);
        const delay = retryAfterMs(response.headers.get('retry-after')) ?? this.#initialBackoffMs * 2 ** attempt;
        await this.#sleep(Math.min(delay, 30_000), request.signal);
        continue;
      }
      const body = request.method === 'HEAD' ? new Uint8Array() : new Uint8Array(await response.arrayBuffer());
      return { status: response.status, headers: response.headers, body };
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
