import { HttpError, MlopsError, throwIfAborted } from '../../errors.js';
import type { ResolvedDatabricksConfig } from './auth-config.js';
import { redactSecrets, redactUrl } from '../../redact.js';

export type FetchFn = typeof fetch;

/** Produces the Authorization header for workspace API calls. */
export interface CredentialsProvider {
  readonly authType: string;
  authorization(options?: { signal?: AbortSignal }): Promise<string>;
  /** Values that must never appear in any text this library produces. */
  secrets(): string[];
}

/** A personal access token, sent as a bearer token. */
export class PatCredentials implements CredentialsProvider {
  readonly authType = 'pat';
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
  }

  async authorization(): Promise<string> {
    return `Bearer ${this.#token}`;
  }

  secrets(): string[] {
    return [this.#token];
  }
}

export interface OAuthM2MOptions {
  host: string;
  clientId: string;
  clientSecret: string;
  fetch?: FetchFn;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now?: () => number;
  /** Refresh this long before the token expires; default 60 s. */
  refreshMarginMs?: number;
  scope?: string;
}

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

/**
 * OAuth machine-to-machine (client credentials) for a service principal: discovers the token
 * endpoint from the workspace's OIDC metadata, caches the access token and fetches a new one
 * shortly before it expires. Concurrent callers share one token request.
 */
export class OAuthM2MCredentials implements CredentialsProvider {
  readonly authType = 'oauth-m2m';
  readonly #options: Required<Omit<OAuthM2MOptions, 'fetch' | 'now'>> & { fetch: FetchFn; now: () => number };
  #tokenEndpoint: string | undefined;
  #cached: CachedToken | undefined;
  #inflight: Promise<CachedToken> | undefined;
  /** Token requests made, for tests and diagnostics. */
  tokenRequests = 0;

  constructor(options: OAuthM2MOptions) {
    this.#options = {
      host: options.host.replace(/\/+$/, ''),
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      fetch: options.fetch ?? fetch,
      now: options.now ?? Date.now,
      refreshMarginMs: options.refreshMarginMs ?? 60_000,
      scope: options.scope ?? 'all-apis',
    };
  }

  async authorization(options: { signal?: AbortSignal } = {}): Promise<string> {
    const cached = this.#cached;
    if (cached !== undefined && this.#options.now() < cached.expiresAt - this.#options.refreshMarginMs) {
      return `Bearer ${cached.accessToken}`;
    }
    this.#inflight ??= this.#requestToken(options.signal).finally(() => {
      this.#inflight = undefined;
    });
    const token = await this.#inflight;
    this.#cached = token;
    return `Bearer ${token.accessToken}`;
  }

  secrets(): string[] {
    return [this.#options.clientSecret, ...(this.#cached ? [this.#cached.accessToken] : [])];
  }

  async #discover(signal: AbortSignal | undefined): Promise<string> {
    if (this.#tokenEndpoint !== undefined) return this.#tokenEndpoint;
    const url = `${this.#options.host}/oidc/.well-known/oauth-authorization-server`;
    const body = await this.#call(url, { method: 'GET', headers: { Accept: 'application/json' }, ...(signal ? { signal } : {}) }, 'OIDC discovery');
    const endpoint = body.token_endpoint;
    if (typeof endpoint !== 'string' || endpoint === '') {
      throw new MlopsError('HTTP', `OIDC discovery at ${url} returned no token_endpoint; the host may not be a Databricks workspace`, { details: { url } });
    }
    this.#tokenEndpoint = endpoint;
    return endpoint;
  }

  async #requestToken(signal: AbortSignal | undefined): Promise<CachedToken> {
    throwIfAborted(signal);
    const endpoint = await this.#discover(signal);
    const basic = Buffer.from(`${encodeURIComponent(this.#options.clientId)}:${encodeURIComponent(this.#options.clientSecret)}`).toString('base64');
    const form = new URLSearchParams({ grant_type: 'client_credentials', scope: this.#options.scope });
    const requestedAt = this.#options.now();
    this.tokenRequests++;
    const body = await this.#call(
      endpoint,
      {
        method: 'POST',
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
        ...(signal ? { signal } : {}),
      },
      'OAuth token request',
      basic,
    );
    const accessToken = body.access_token;
    const expiresIn = Number(body.expires_in);
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new MlopsError('HTTP', `OAuth token endpoint ${redactUrl(endpoint)} answered without an access_token`, { details: { url: redactUrl(endpoint) } });
    }
    // Without expires_in, assume the one hour Databricks issues.
    const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 3_600_000;
    return { accessToken, expiresAt: requestedAt + lifetimeMs };
  }

  async #call(url: string, init: RequestInit, what: string, extraSecret?: string): Promise<Record<string, unknown>> {
    const secrets = [this.#options.clientSecret, extraSecret];
    let response: Response;
    try {
      response = await this.#options.fetch(url, init);
    } catch (error) {
      if (init.signal?.aborted) throw new MlopsError('ABORTED', `${what} to ${redactUrl(url)} was aborted`, { cause: init.signal.reason });
      throw new MlopsError('HTTP', `${what} to ${redactUrl(url)} failed: ${redactSecrets((error as Error).message, secrets)}`, { details: { url: redactUrl(url) } });
    }
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      // Not JSON: reported below with the status.
    }
    if (!response.ok) {
      const code = typeof body.error === 'string' ? body.error : typeof body.error_code === 'string' ? body.error_code : undefined;
      const description = typeof body.error_description === 'string' ? body.error_description : typeof body.message === 'string' ? body.message : '';
      const hint =
        response.status === 401 || code === 'invalid_client'
          ? '; check the service principal client id and secret (DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET)'
          : '';
      throw new HttpError(
        redactSecrets(`${what} to ${redactUrl(url)} failed with ${response.status}${code ? ` ${code}` : ''}${description ? `: ${description}` : ''}${hint}`, secrets),
        { status: response.status, method: init.method ?? 'GET', url: redactUrl(url), ...(code ? { serverCode: code } : {}) },
      );
    }
    return body;
  }
}

/** The provider a resolved configuration asks for. */
export function credentialsFor(config: ResolvedDatabricksConfig, options: { fetch?: FetchFn; now?: () => number } = {}): CredentialsProvider {
  if (config.authType === 'pat') return new PatCredentials(config.token!);
  return new OAuthM2MCredentials({
    host: config.host,
    clientId: config.clientId!,
    clientSecret: config.clientSecret!,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
