import { HttpError, MlopsError } from '../../errors.js';
import type { ArtifactRepository } from '../../tracking/rest/artifact-repository.js';
import { validateArtifactPath } from '../../tracking/file-store/validation.js';
import type { ArtifactInfo } from '../../tracking/types.js';
import { uploadAdlsFile, uploadAzureBlob } from './azure-blob.js';
import { isExpiredUrlResponse, storageError, type StorageClient } from './cloud-storage.js';
import type { DatabricksClient } from './http-client.js';
import { allPages } from '../../http/paging.js';

type CredentialType = 'AZURE_SAS_URI' | 'AZURE_ADLS_GEN2_SAS_URI' | 'AWS_PRESIGNED_URL' | 'GCP_SIGNED_URL';

interface CredentialInfo {
  run_id?: string;
  path?: string;
  signed_uri: string;
  headers?: { name: string; value: string }[];
  type?: CredentialType;
}

export interface DatabricksArtifactRepositoryOptions {
  client: DatabricksClient;
  storage: StorageClient;
  runId: string;
  /** Block size for Azure uploads; default 8 MiB. */
  azureBlockSize?: number;
}

/**
 * A Databricks-hosted run's artifacts (dbfs:/databricks/mlflow-tracking/<exp>/<run>/artifacts):
 * every file goes straight to cloud storage through a short-lived signed URL from
 * credentials-for-write (Azure SAS block upload, ADLS Gen2 create/append/flush, or a presigned
 * PUT on AWS/GCP) and comes back through credentials-for-read. Listing uses artifacts/list.
 */
export class DatabricksArtifactRepository implements ArtifactRepository {
  readonly #client: DatabricksClient;
  readonly #storage: StorageClient;
  readonly #runId: string;
  readonly #blockSize: number | undefined;

  constructor(options: DatabricksArtifactRepositoryOptions) {
    this.#client = options.client;
    this.#storage = options.storage;
    this.#runId = options.runId;
    this.#blockSize = options.azureBlockSize;
  }

  async upload(path: string, data: Uint8Array | string, signal?: AbortSignal): Promise<void> {
    const relative = validateArtifactPath(path, { allowRoot: false });
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    for (let attempt = 0; ; attempt++) {
      const credential = await this.#credential('write', relative, signal);
      try {
        await this.#put(credential, bytes, signal);
        return;
      } catch (error) {
        // A URL that expired between issue and use is replaced once.
        if (attempt === 0 && error instanceof HttpError && error.serverCode === 'URL_EXPIRED') continue;
        throw error;
      }
    }
  }

  async download(path: string, signal?: AbortSignal): Promise<Uint8Array> {
    const relative = validateArtifactPath(path, { allowRoot: false });
    for (let attempt = 0; ; attempt++) {
      const credential = await this.#credential('read', relative, signal);
      const request = { method: 'GET' as const, url: credential.signed_uri, headers: headersOf(credential), ...(signal ? { signal } : {}) };
      const response = await this.#storage.send(request);
      if (response.status === 200) return response.body;
      if (response.status === 404) {
        throw new MlopsError('NOT_FOUND', `Artifact '${relative}' of run ${this.#runId} does not exist`, { details: { runId: this.#runId, path: relative } });
      }
      if (attempt === 0 && isExpiredUrlResponse(response)) continue;
      throw storageError(response, request, `Downloading artifact '${relative}' of run ${this.#runId}`);
    }
  }

  async list(path: string, signal?: AbortSignal): Promise<ArtifactInfo[]> {
    const relative = path === '' ? '' : validateArtifactPath(path, { allowRoot: true });
    const files = await allPages(
      async (pageToken) => {
        const body = await this.#client.json<{ files?: { path: string; is_dir?: boolean; file_size?: number }[]; next_page_token?: string }>('GET', '/api/2.0/mlflow/artifacts/list', {
          query: { run_id: this.#runId, path: relative === '' ? undefined : relative, page_token: pageToken },
          ...(signal ? { signal } : {}),
        });
        return { items: body.files ?? [], nextPageToken: body.next_page_token };
      },
      { what: `the artifact listing of run ${this.#runId}`, ...(signal ? { signal } : {}) },
    );
    const items: ArtifactInfo[] = files.map((file) => ({ path: file.path, isDir: file.is_dir === true, fileSize: file.is_dir ? undefined : Number(file.file_size ?? 0) }));
    return items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async #credential(mode: 'read' | 'write', relative: string, signal: AbortSignal | undefined): Promise<CredentialInfo> {
    const body = await this.#client.json<{ credential_infos?: CredentialInfo[] }>('POST', `/api/2.0/mlflow/artifacts/credentials-for-${mode}`, {
      json: { run_id: this.#runId, path: [relative] },
      ...(signal ? { signal } : {}),
    });
    const credential = body.credential_infos?.find((info) => info.path === undefined || info.path === relative) ?? body.credential_infos?.[0];
    if (credential === undefined) {
      throw new MlopsError('HTTP', `credentials-for-${mode} gave no credential for artifact '${relative}' of run ${this.#runId}`, { details: { runId: this.#runId, path: relative } });
    }
    return credential;
  }

  async #put(credential: CredentialInfo, bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    const headers = headersOf(credential);
    const signalOpt = signal ? { signal } : {};
    switch (credential.type) {
      case 'AZURE_SAS_URI':
        await uploadAzureBlob(this.#storage, credential.signed_uri, bytes, { headers, ...(this.#blockSize ? { blockSize: this.#blockSize } : {}), ...signalOpt });
        return;
      case 'AZURE_ADLS_GEN2_SAS_URI':
        await uploadAdlsFile(this.#storage, credential.signed_uri, bytes, { headers, ...signalOpt });
        return;
      case 'AWS_PRESIGNED_URL':
      case 'GCP_SIGNED_URL':
      case undefined:
        await this.#storage.expectOk({ method: 'PUT', url: credential.signed_uri, headers, body: bytes, ...signalOpt }, `Uploading an artifact of run ${this.#runId}`);
        return;
      default:
        throw new MlopsError('HTTP', `Unsupported artifact credential type ${String(credential.type)} for run ${this.#runId}`, { details: { type: credential.type } });
    }
  }
}

function headersOf(credential: CredentialInfo): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const header of credential.headers ?? []) headers[header.name] = header.value;
  return headers;
}

/** The run id inside a Databricks-hosted artifact URI, or undefined for other URIs. */
export function runIdOfArtifactUri(artifactUri: string): string | undefined {
  return /^dbfs:\/databricks\/mlflow-tracking\/[^/]+\/([^/]+)\/artifacts\/?$/.exec(artifactUri)?.[1];
}
