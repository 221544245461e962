import { ClientSecretCredential, DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { AnonymousCredential, BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import { MlopsError, throwIfAborted } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { CallOptions } from '../workspace/types.js';
import { adlsSecrets, chooseAdlsAuth, describeAdlsAuth } from './adls-auth.js';
import type { AdlsAuth } from './adls-auth.js';
import { parseAdlsUrl } from './adls-url.js';
import type { AdlsLocation } from './adls-url.js';
import { redactSecrets } from '../redact.js';
import { isHiddenName, SourceFileChangedError } from './types.js';
import type { ListOptions, Source, SourceFile } from './types.js';

export interface AdlsSourceOptions {
  /** abfss://…, https://<account>.{dfs,blob}.core.windows.net/… or an emulator's path-style URL. */
  url: string;
  /** Where AZURE_STORAGE_* variables are read from (DefaultAzureCredential reads process.env itself). */
  env: Record<string, string | undefined>;
  /** Use this credential instead of choosing one from the environment. */
  credential?: TokenCredential;
  /** Blobs per listing page; default 5000 (the service's maximum). */
  pageSize?: number;
  /** Attempts per request, retries included; default 4 (the SDK's exponential backoff between them). */
  maxTries?: number;
}

/**
 * An ADLS Gen2 folder read through the Blob API, which hierarchical-namespace accounts, flat accounts
 * and azurite all serve: a flat, paged listing below the folder's prefix (directory markers skipped),
 * and reads streamed with `If-Match: <etag>` so a file rewritten after the listing is never half-read.
 */
export class AdlsSource implements Source {
  readonly url: string;
  readonly location: AdlsLocation;
  /** Which credential is used, in words (no secret). */
  readonly authDescription: string;
  private readonly auth: AdlsAuth;
  private readonly secrets: string[];
  private readonly container: ContainerClient;
  private readonly prefix: string;
  private readonly pageSize: number;

  constructor(options: AdlsSourceOptions) {
    this.location = parseAdlsUrl(options.url);
    this.url = this.location.display;
    this.auth = chooseAdlsAuth(this.location, options.env, options.credential);
    this.authDescription = describeAdlsAuth(this.auth);
    this.secrets = adlsSecrets(this.auth);
    this.prefix = this.location.path === '' ? '' : `${this.location.path}/`;
    this.pageSize = options.pageSize ?? 5000;
    const pipeline: StoragePipelineOptions = { retryOptions: { maxTries: options.maxTries ?? 4 } };
    try {
      this.container = serviceClient(this.location, this.auth, pipeline).getContainerClient(this.location.container);
    } catch (error) {
      // A malformed connection string or key: say so without echoing it.
      throw new MlopsError('CONFIG_INVALID', `Cannot use ${this.authDescription} for ${this.url}: ${this.redact(errorText(error))}`, {
        details: { source_path: this.url },
      });
    }
  }

  async *list(options: ListOptions = {}): AsyncIterable<SourceFile> {
    throwIfAborted(options.signal);
    const pages = this.container
      .listBlobsFlat({ prefix: this.prefix, includeMetadata: true, ...(options.signal ? { abortSignal: options.signal } : {}) })
      .byPage({ maxPageSize: options.pageSize ?? this.pageSize });
    try {
      for await (const page of pages) {
        for (const blob of page.segment.blobItems) {
          const relative = blob.name.slice(this.prefix.length);
          // Hierarchical-namespace accounts list their directories as empty blobs marked hdi_isfolder.
          if (blob.metadata?.hdi_isfolder === 'true' || relative === '' || relative.endsWith('/')) continue;
          if (relative.split('/').some((segment: string) => segment === '' || isHiddenName(segment))) continue;
          yield {
            path: relative,
            size: blob.properties.contentLength ?? 0,
            modifiedAt: blob.properties.lastModified.getTime(),
            etag: blob.properties.etag ?? '',
          };
        }
      }
    } catch (error) {
      throw this.toError(error, 'list', this.url, options.signal);
    }
  }

  async *open(file: SourceFile, options: CallOptions = {}): AsyncIterable<Uint8Array> {
    throwIfAborted(options.signal);
    const url = this.fileUrl(file);
    const blob = this.container.getBlobClient(this.prefix + file.path);
    let body: NodeJS.ReadableStream | undefined;
    try {
      const response = await blob.download(0, undefined, {
        conditions: { ifMatch: file.etag },
        // Resumes a broken download from where it stopped, still pinned to the same etag.
        maxRetryRequests: 5,
        ...(options.signal ? { abortSignal: options.signal } : {}),
      });
      body = response.readableStreamBody;
    } catch (error) {
      const status = statusOf(error);
      if (status === 412) throw new SourceFileChangedError(url, 'its etag no longer matches the listing');
      if (status === 404) throw new SourceFileChangedError(url, 'it was deleted');
      throw this.toError(error, 'read', url, options.signal);
    }
    if (body === undefined) throw new MlopsError('IO', `Reading ${url} returned no body`, { details: { file: url } });
    try {
      for await (const chunk of body) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    } catch (error) {
      if (statusOf(error) === 412) throw new SourceFileChangedError(url, 'it was rewritten while being read');
      throw this.toError(error, 'read', url, options.signal);
    }
  }

  localPath(): undefined {
    return undefined;
  }

  fileUrl(file: SourceFile): string {
    return `${this.url}/${file.path}`;
  }

  /** Text that came from Azure, with this source's secrets and anything secret-shaped removed. */
  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  /**
   * An Azure failure as an MlopsError that names the URL and the credential but never carries the
   * SDK's error (whose request holds the Authorization header and the SAS URL) as its cause.
   */
  private toError(error: unknown, action: 'list' | 'read', url: string, signal: AbortSignal | undefined): MlopsError {
    if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) {
      return new MlopsError('ABORTED', `${action === 'list' ? 'Listing' : 'Reading'} ${url} was aborted`);
    }
    const status = statusOf(error);
    const serviceCode = serviceCodeOf(error);
    const first = this.redact(errorText(error).split('\n')[0] ?? '').trim();
    const what = `Cannot ${action} ${url}`;
    const details = { url, status, serviceCode };
    if (isCredentialError(error)) {
      return new MlopsError('CONFIG_INVALID', `${what}: no Azure credential is available (${first})`, {
        details: {
          ...details,
          hint: 'set AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN, put a SAS token in the URL, or sign in for DefaultAzureCredential (az login, a managed identity or AZURE_CLIENT_ID/AZURE_CLIENT_SECRET/AZURE_TENANT_ID)',
        },
      });
    }
    let code: ErrorCode = 'IO';
    let reason = first;
    if (status === 404) {
      code = 'NOT_FOUND';
      reason = serviceCode === 'ContainerNotFound' ? `the container "${this.location.container}" does not exist in account ${this.location.account}` : first;
    } else if (status === 401 || status === 403) {
      code = 'HTTP';
      reason = `access denied (${serviceCode ?? `HTTP ${status}`}) using ${this.authDescription}`;
    } else if (status !== undefined) {
      code = 'HTTP';
      reason = `HTTP ${status}${serviceCode ? ` ${serviceCode}` : ''}: ${first}`;
    }
    return new MlopsError(code, `${what}: ${reason}`, { details });
  }
}

function serviceClient(location: AdlsLocation, auth: AdlsAuth, pipeline: StoragePipelineOptions): BlobServiceClient {
  switch (auth.kind) {
    case 'connection-string':
      return BlobServiceClient.fromConnectionString(auth.connectionString, pipeline);
    case 'account-key':
      return new BlobServiceClient(location.blobEndpoint, new StorageSharedKeyCredential(auth.account, auth.key), pipeline);
    case 'sas':
      return new BlobServiceClient(`${location.blobEndpoint}?${auth.sas}`, new AnonymousCredential(), pipeline);
    case 'token-credential':
      return new BlobServiceClient(location.blobEndpoint, auth.credential, pipeline);
    case 'service-principal':
      return new BlobServiceClient(
        location.blobEndpoint,
        new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, auth.authorityHost === undefined ? {} : { authorityHost: auth.authorityHost }),
        pipeline,
      );
    case 'default-credential':
      return new BlobServiceClient(location.blobEndpoint, new DefaultAzureCredential(), pipeline);
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function serviceCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isCredentialError(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError' || name === 'AuthenticationRequiredError';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
