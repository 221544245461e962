import { openTracking } from '../../tracking/open.js';
import type { ModelRegistry, TrackingStore } from '../../tracking/types.js';
import type { Workspace } from '../types.js';
import { loadDatabricksConfig, type DatabricksConfigInput, type ResolvedDatabricksConfig } from './auth-config.js';
import { StorageClient } from './cloud-storage.js';
import { credentialsFor, type FetchFn } from './credentials.js';
import { DatabricksClient, type SleepFn } from './http-client.js';
import { Identity } from './identity.js';
import { StatementExecutor } from './statements.js';
import { DatabricksTableStore } from './tables.js';
import { DatabricksTrackingStore } from './tracking.js';
import { UnityCatalogRegistry } from './uc-registry.js';
import { DatabricksVolumeStore } from './volumes.js';
import { scoreOnWarehouse, type WarehouseScoringInput, type WarehouseScoringResult } from './warehouse-scoring.js';

export interface DatabricksWorkspaceInput {
  host?: string;
  profile?: string;
  warehouseId?: string;
  /** MLflow tracking URI: databricks / databricks://<profile> (this workspace), or any other store. */
  trackingUri?: string;
  /** Explicit credentials (beat the environment and ~/.databrickscfg). */
  token?: string;
  clientId?: string;
  clientSecret?: string;
  authType?: string;
}

export interface OpenDatabricksOptions {
  env?: Record<string, string | undefined>;
  homeDir?: string;
  /** Relative tracking paths resolve against this folder. */
  baseDir?: string;
  fetch?: FetchFn;
  sleep?: SleepFn;
  /** Tuning (tests use small values). */
  multipartThreshold?: number;
  multipartPartSize?: number;
  pollIntervalMs?: number;
  stagingVolume?: string;
  azureBlockSize?: number;
  /** Where the Blob endpoint of a storage account is (default https://<account>.blob.core.windows.net). */
  azureBlobEndpoint?: (account: string) => string;
}

/** The Databricks workspace, with what only it can do: run SQL on the warehouse. */
export interface DatabricksWorkspace extends Workspace {
  readonly kind: 'databricks';
  readonly host: string;
  readonly authType: string;
  /** The SQL warehouse, if the target names one. */
  readonly warehouseId: string | undefined;
  readonly client: DatabricksClient;
  readonly statements: StatementExecutor;
  readonly identity: Identity;
  /** Scores a table (or volume Parquet) with SQL expressions into a predictions table, inside the warehouse. */
  scoreOnWarehouse(input: WarehouseScoringInput): Promise<WarehouseScoringResult>;
}

/** The Databricks side of a workspace, or undefined for any other workspace. */
export function asDatabricksWorkspace(workspace: Workspace): DatabricksWorkspace | undefined {
  return workspace.kind === 'databricks' && 'statements' in workspace ? (workspace as DatabricksWorkspace) : undefined;
}

/**
 * Opens a Databricks workspace: resolves host and credentials (explicit > DATABRICKS_* > the
 * ~/.databrickscfg profile), then wires the Files API volumes, the warehouse tables, MLflow
 * tracking and the Unity Catalog registry to one authenticated client. Nothing is sent yet.
 */
export async function openDatabricksWorkspace(input: DatabricksWorkspaceInput, options: OpenDatabricksOptions = {}): Promise<DatabricksWorkspace> {
  const env = options.env ?? process.env;
  const explicit = definedOnly({
    host: input.host,
    profile: input.profile,
    warehouseId: input.warehouseId,
    token: input.token,
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    authType: input.authType,
  });
  const config = await loadDatabricksConfig(explicit, { env, ...(options.homeDir ? { homeDir: options.homeDir } : {}) });
  const { client, storage } = clients(config, options);
  const identity = new Identity(client);
  const warehouseId = config.warehouseId;
  const statements = new StatementExecutor({
    client,
    storage,
    warehouseId: warehouseId ?? '',
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
    missingWarehouseHint: 'set workspace.warehouse_id in the target, DATABRICKS_WAREHOUSE_ID, or warehouse_id in the ~/.databrickscfg profile (SQL Warehouses → Connection details)',
  });
  const volumes = new DatabricksVolumeStore({
    client,
    storage,
    ...(options.multipartThreshold ? { multipartThreshold: options.multipartThreshold } : {}),
    ...(options.multipartPartSize ? { multipartPartSize: options.multipartPartSize } : {}),
  });
  const tables = new DatabricksTableStore({ client, statements: statements, volumes, ...(options.stagingVolume ? { stagingVolume: options.stagingVolume } : {}) });
  const tracking = await openTrackingFor(input.trackingUri, config, client, storage, identity, explicit, options);
  const registry: ModelRegistry = new UnityCatalogRegistry({
    client,
    storage,
    tracking,
    identity,
    ...(options.azureBlobEndpoint ? { azureBlobEndpoint: options.azureBlobEndpoint } : {}),
    ...(options.azureBlockSize ? { azureBlockSize: options.azureBlockSize } : {}),
  });
  return {
    kind: 'databricks',
    location: config.host,
    host: config.host,
    authType: config.authType,
    warehouseId,
    client,
    statements: statements,
    identity,
    volumes,
    tables,
    tracking,
    registry,
    scoreOnWarehouse: (scoring) => scoreOnWarehouse(statements, scoring),
    ...(warehouseId ? { sqlScoring: { warehouseId, scoreOnWarehouse: (scoring: WarehouseScoringInput) => scoreOnWarehouse(statements, scoring) } } : {}),
  };
}

function clients(config: ResolvedDatabricksConfig, options: OpenDatabricksOptions): { client: DatabricksClient; storage: StorageClient } {
  const credentials = credentialsFor(config, options.fetch ? { fetch: options.fetch } : {});
  const client = new DatabricksClient({ host: config.host, credentials, ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.sleep ? { sleep: options.sleep } : {}) });
  const storage = new StorageClient({ ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.sleep ? { sleep: options.sleep } : {}) });
  return { client, storage };
}

async function openTrackingFor(
  trackingUri: string | undefined,
  config: ResolvedDatabricksConfig,
  client: DatabricksClient,
  storage: StorageClient,
  identity: Identity,
  explicit: DatabricksConfigInput,
  options: OpenDatabricksOptions,
): Promise<TrackingStore> {
  const uri = trackingUri ?? (config.profile ? `databricks://${config.profile}` : 'databricks');
  const databricks = /^databricks(?::\/\/([^/?#]*))?$/.exec(uri);
  if (databricks === null) {
    // MLFLOW_TRACKING_URI (or the target) points elsewhere: runs go there, models still to UC.
    return openTracking(uri, { baseDir: options.baseDir ?? process.cwd(), ...(options.env ? { env: options.env } : {}) }).tracking;
  }
  const profile = databricks[1];
  const uriFor = (p: string | undefined): string => (p ? `databricks://${p}` : 'databricks');
  // The target's own profile names this workspace even when no config file holds it (env credentials).
  if (profile === undefined || profile === '' || profile === config.profile || profile === explicit.profile) {
    return new DatabricksTrackingStore({ client, storage, identity, uri: uriFor(config.profile ?? explicit.profile), ...(options.azureBlockSize ? { azureBlockSize: options.azureBlockSize } : {}) });
  }
  // databricks://<other profile>: MLflow's convention for tracking on another workspace, taken from
  // that profile alone (DATABRICKS_HOST / _TOKEN name the main workspace, not this one).
  const env = options.env ?? process.env;
  const fileOnly = { DATABRICKS_CONFIG_FILE: env.DATABRICKS_CONFIG_FILE, HOME: env.HOME, USERPROFILE: env.USERPROFILE };
  const other = await loadDatabricksConfig({ profile, ...(explicit.configFile ? { configFile: explicit.configFile } : {}) }, { env: fileOnly, ...(options.homeDir ? { homeDir: options.homeDir } : {}) });
  const { client: otherClient, storage: otherStorage } = clients(other, options);
  return new DatabricksTrackingStore({ client: otherClient, storage: otherStorage, identity: new Identity(otherClient), uri: uriFor(profile) });
}

function definedOnly(input: Record<string, string | undefined>): DatabricksConfigInput {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined && value !== '')) as DatabricksConfigInput;
}
