import { HttpError, MlopsError, throwIfAborted } from '../../errors.js';
import { azureEnvironmentOf, type AzureEnvironment, type ResolvedDatabricksConfig } from './auth-config.js';
import { redactSecrets, redactUrl } from '../../redact.js';

export type FetchFn = typeof fetch;

/** Produces the Authorization header for workspace API calls. */
export interface CredentialsProvider {
  readonly authType: string;
  authorization(options?: { signal?: AbortSignal }): Promise<string>;
  /** Values that must never appear in any text this library produces. */
  secrets(): string[];
  /** Other headers the workspace API needs besides Authorization (Azure's service principal management token). */
  extraHeaders?(options?: { signal?: AbortSignal }): Promise<Record<string, string>>;
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

/** One access token, cached until shortly before it expires; concurrent callers share one request. */
class TokenCache {
  #cached: CachedToken | undefined;
  #inflight: Promise<CachedToken> | undefined;

  constructor(
    private readonly request: (signal: AbortSignal | undefined) => Promise<CachedToken>,
    private readonly clock: { now: () => number; refreshMarginMs: number },
  ) {}

  get current(): string | undefined {
    return this.#cached?.accessToken;
  }

  async token(signal: AbortSignal | undefined): Promise<string> {
    const cached = this.#cached;
    if (cached !== undefined && this.clock.now() < cached.expiresAt - this.clock.refreshMarginMs) return cached.accessToken;
    this.#inflight ??= this.request(signal).finally(() => {
      this.#inflight = undefined;
    });
    const token = await this.#inflight;
    this.#cached = token;
    return token.accessToken;
  }
}

/** A token endpoint's answer as a cached token; without expires_in, the one hour Databricks and Entra ID issue. */
function tokenFrom(body: Record<string, unknown>, endpoint: string, requestedAt: number): CachedToken {
  const accessToken = body.access_token;
  const expiresIn = Number(body.expires_in);
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new MlopsError('HTTP', `OAuth token endpoint ${redactUrl(endpoint)} answered without an access_token`, { details: { url: redactUrl(endpoint) } });
  }
  const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 3_600_000;
  return { accessToken, expiresAt: requestedAt + lifetimeMs };
}

/** One JSON call to an auth endpoint; errors name the URL (redacted) and never a secret. */
async function callJson(
  fetchFn: FetchFn,
  url: string,
  init: RequestInit,
  what: string,
  secrets: Array<string | undefined>,
  unauthorizedHint: string,
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetchFn(url, init);
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
    const hint = response.status === 401 || code === 'invalid_client' ? `; ${unauthorizedHint}` : '';
    throw new HttpError(
      redactSecrets(`${what} to ${redactUrl(url)} failed with ${response.status}${code ? ` ${code}` : ''}${description ? `: ${description}` : ''}${hint}`, secrets),
      { status: response.status, method: init.method ?? 'GET', url: redactUrl(url), ...(code ? { serverCode: code } : {}) },
    );
  }
  return body;
}

/**
 * OAuth machine-to-machine (client credentials) for a service principal: discovers the token
 * endpoint from the workspace's OIDC metadata, caches the access token and fetches a new one
 * shortly before it expires. Concurrent callers share one token request.
 */
export class OAuthM2MCredentials implements CredentialsProvider {
  readonly authType = 'oauth-m2m';
  readonly #options: Required<Omit<OAuthM2MOptions, 'fetch' | 'now'>> & { fetch: FetchFn; now: () => number };
  readonly #cache: TokenCache;
  #tokenEndpoint: string | undefined;
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
    this.#cache = new TokenCache((signal) => this.#requestToken(signal), this.#options);
  }

  async authorization(options: { signal?: AbortSignal } = {}): Promise<string> {
    return `Bearer ${await this.#cache.token(options.signal)}`;
  }

  secrets(): string[] {
    const current = this.#cache.current;
    return [this.#options.clientSecret, ...(current !== undefined ? [current] : [])];
  }

  #call(url: string, init: RequestInit, what: string, extraSecret?: string): Promise<Record<string, unknown>> {
    return callJson(this.#options.fetch, url, init, what, [this.#options.clientSecret, extraSecret], 'check the service principal client id and secret (DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET)');
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
    return tokenFrom(body, endpoint, requestedAt);
  }
}

export interface AzureClientSecretOptions {
  /** The workspace; its Azure cloud gives the Entra ID endpoint unless `environment` is given. */
  host: string;
  clientId: string;
  clientSecret: string;
  /** When absent, read from the workspace's /aad/auth login redirect, as databricks-sdk does. */
  tenantId?: string;
  workspaceResourceId?: string;
  /** The Azure cloud; default from the host's DNS suffix (tests point it at a local token endpoint). */
  environment?: AzureEnvironment;
  fetch?: FetchFn;
  now?: () => number;
  refreshMarginMs?: number;
}

/**
 * An Azure service principal with a client secret (auth type azure-client-secret), as
 * databricks-sdk's azure_service_principal: client-credentials tokens from Entra ID
 * (`<aad>/<tenant>/oauth2/token`, v1, with the client id and secret in the form) for the Azure
 * Databricks login app (the Authorization header) and for the Azure service management endpoint
 * (X-Databricks-Azure-SP-Management-Token), each cached until shortly before it expires.
 */
export class AzureClientSecretCredentials implements CredentialsProvider {
  readonly authType = 'azure-client-secret';
  readonly #options: AzureClientSecretOptions & { fetch: FetchFn; now: () => number; environment: AzureEnvironment };
  readonly #inner: TokenCache;
  readonly #cloud: TokenCache;
  #tenant: Promise<string> | undefined;
  /** Token requests made, for tests and diagnostics. */
  tokenRequests = 0;

  constructor(options: AzureClientSecretOptions) {
    const host = options.host.replace(/\/+$/, '');
    const environment = options.environment ?? azureEnvironmentOf(host);
    if (environment === undefined) {
      throw new MlopsError('CONFIG_INVALID', `azure-client-secret auth needs an Azure Databricks host, got ${host}`, { details: { host } });
    }
    this.#options = { ...options, host, environment, fetch: options.fetch ?? fetch, now: options.now ?? Date.now };
    const clock = { now: this.#options.now, refreshMarginMs: options.refreshMarginMs ?? 60_000 };
    this.#inner = new TokenCache((signal) => this.#requestToken(environment.loginAppId, signal), clock);
    this.#cloud = new TokenCache((signal) => this.#requestToken(environment.serviceManagementEndpoint, signal), clock);
  }

  async authorization(options: { signal?: AbortSignal } = {}): Promise<string> {
    return `Bearer ${await this.#inner.token(options.signal)}`;
  }

  async extraHeaders(options: { signal?: AbortSignal } = {}): Promise<Record<string, string>> {
    const headers: Record<string, string> = { 'X-Databricks-Azure-SP-Management-Token': await this.#cloud.token(options.signal) };
    if (this.#options.workspaceResourceId !== undefined) headers['X-Databricks-Azure-Workspace-Resource-Id'] = this.#options.workspaceResourceId;
    return headers;
  }

  secrets(): string[] {
    return [this.#options.clientSecret, this.#inner.current, this.#cloud.current].filter((value): value is string => value !== undefined);
  }

  /** The tenant: configured, or the first path segment of the workspace's Entra ID login redirect. */
  #tenantId(signal: AbortSignal | undefined): Promise<string> {
    if (this.#options.tenantId !== undefined) return Promise.resolve(this.#options.tenantId);
    this.#tenant ??= (async () => {
      const url = `${this.#options.host}/aad/auth`;
      let location: string | null = null;
      try {
        const response = await this.#options.fetch(url, { method: 'GET', redirect: 'manual', ...(signal ? { signal } : {}) });
        location = Math.floor(response.status / 100) === 3 ? response.headers.get('location') : null;
      } catch {
        // Reported below.
      }
      const tenant = location === null ? undefined : new URL(location, url).pathname.split('/')[1];
      if (tenant === undefined || tenant === '') {
        this.#tenant = undefined;
        throw new MlopsError('CONFIG_INVALID', `No Azure tenant: set ARM_TENANT_ID (or azure_tenant_id in the profile); ${url} did not redirect to an Entra ID login naming one`, {
          details: { url },
        });
      }
      return tenant;
    })();
    return this.#tenant;
  }

  async #requestToken(resource: string, signal: AbortSignal | undefined): Promise<CachedToken> {
    throwIfAborted(signal);
    const endpoint = `${this.#options.environment.activeDirectoryEndpoint}${await this.#tenantId(signal)}/oauth2/token`;
    const form = new URLSearchParams({ grant_type: 'client_credentials', scope: 'all-apis', resource, client_id: this.#options.clientId, client_secret: this.#options.clientSecret });
    const requestedAt = this.#options.now();
    this.tokenRequests++;
    const body = await callJson(
      this.#options.fetch,
      endpoint,
      { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body: form.toString(), ...(signal ? { signal } : {}) },
      'Azure AD token request',
      [this.#options.clientSecret],
      'check the Azure service principal (ARM_CLIENT_ID / ARM_CLIENT_SECRET / ARM_TENANT_ID)',
    );
    return tokenFrom(body, endpoint, requestedAt);
  }
}

/** The provider a resolved configuration asks for. */
export function credentialsFor(config: ResolvedDatabricksConfig, options: { fetch?: FetchFn; now?: () => number } = {}): CredentialsProvider {
  if (config.authType === 'pat') return new PatCredentials(config.token!);
  if (config.authType === 'azure-client-secret') {
    return new AzureClientSecretCredentials({
      host: config.host,
      clientId: config.azureClientId!,
      clientSecret: config.azureClientSecret!,
      ...(config.azureTenantId !== undefined ? { tenantId: config.azureTenantId } : {}),
      ...(config.azureWorkspaceResourceId !== undefined ? { workspaceResourceId: config.azureWorkspaceResourceId } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  }
  return new OAuthM2MCredentials({
    host: config.host,
    clientId: config.clientId!,
    clientSecret: config.clientSecret!,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
