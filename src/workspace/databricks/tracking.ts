import { MlflowHttpClient } from '../../tracking/rest/http-client.js';
import { RestTrackingStore } from '../../tracking/rest/tracking-client.js';
import type { CallOptions, CreateRunOptions, Experiment, RunInfo } from '../../tracking/types.js';
import { DatabricksArtifactRepository, runIdOfArtifactUri } from './artifacts.js';
import type { StorageClient } from './cloud-storage.js';
import type { DatabricksClient } from './http-client.js';
import { experimentPath, type Identity } from './identity.js';
import { liveSecretList } from '../../redact.js';

export interface DatabricksTrackingStoreOptions {
  client: DatabricksClient;
  storage: StorageClient;
  identity: Identity;
  /** The tracking URI to report: databricks or databricks://<profile>. */
  uri: string;
  /** Block size for Azure artifact uploads (tests use small ones). */
  azureBlockSize?: number;
}

/**
 * MLflow tracking on a Databricks workspace: the REST tracking client of this package, authorised
 * with the workspace credentials, plus what Databricks adds — experiments are workspace paths
 * (relative names go under /Users/<me>/, and the parent folder is created first), and run
 * artifacts travel through credentials-for-write / credentials-for-read signed URLs.
 */
export class DatabricksTrackingStore extends RestTrackingStore {
  readonly #client: DatabricksClient;
  readonly #identity: Identity;

  constructor(options: DatabricksTrackingStoreOptions) {
    const { client, storage } = options;
    const http = new MlflowHttpClient({
      baseUrl: client.host,
      fetch: client.fetch,
      auth: () => client.credentials.authorization(),
      ...(client.credentials.extraHeaders !== undefined ? { authHeaders: () => client.credentials.extraHeaders!() } : {}),
      secrets: liveSecretList(() => client.credentials.secrets()),
    });
    super({
      http,
      uri: options.uri,
      artifactRepository: (artifactUri) => {
        const runId = runIdOfArtifactUri(artifactUri);
        return runId === undefined
          ? undefined
          : new DatabricksArtifactRepository({ client, storage, runId, ...(options.azureBlockSize ? { azureBlockSize: options.azureBlockSize } : {}) });
      },
    });
    this.#client = client;
    this.#identity = options.identity;
  }

  override async createExperiment(name: string, options: CallOptions & { tags?: Record<string, string>; artifactLocation?: string } = {}): Promise<string> {
    const path = await this.#resolve(name, options);
    const parent = path.slice(0, path.lastIndexOf('/'));
    if (parent !== '') {
      await this.#client.json('POST', '/api/2.0/workspace/mkdirs', { json: { path: parent }, ...(options.signal ? { signal: options.signal } : {}) });
    }
    return super.createExperiment(path, options);
  }

  override async getExperimentByName(name: string, options: CallOptions = {}): Promise<Experiment | undefined> {
    return super.getExperimentByName(await this.#resolve(name, options), options);
  }

  override async createRun(options: CreateRunOptions): Promise<RunInfo> {
    const userId = options.userId ?? options.tags?.['mlflow.user'] ?? (await this.#identity.me(options.signal ? { signal: options.signal } : {})).userName;
    return super.createRun({ ...options, userId });
  }

  async #resolve(name: string, options: CallOptions): Promise<string> {
    if (name.trim().startsWith('/')) return experimentPath(name, '');
    return experimentPath(name, (await this.#identity.me(options)).userName);
  }
}
