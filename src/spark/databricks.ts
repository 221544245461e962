import { randomUUID } from 'node:crypto';
import { MlopsError } from '../errors.js';
import { loadDatabricksConfig, type DatabricksConfigInput } from '../workspace/databricks/auth-config.js';
import { credentialsFor, type FetchFn } from '../workspace/databricks/credentials.js';
import type { SparkCredentials } from './client.js';

export interface DatabricksConnectOptions extends DatabricksConfigInput {
  /** Serverless compute instead of a cluster (same as serverlessComputeId 'auto'). */
  serverless?: boolean;
  /** Where DATABRICKS_* are read; default process.env. */
  env?: Record<string, string | undefined>;
  homeDir?: string;
  /** For the OAuth token endpoint; injectable for tests. */
  fetch?: FetchFn;
  now?: () => number;
}

export interface DatabricksConnectTarget {
  /** sc://<workspace>:443/;x-databricks-cluster-id=… (or ;session_id=…;x-databricks-session-id=… for serverless). */
  url: string;
  /** PAT, or OAuth M2M asked per call so a token is refreshed before it expires. */
  credentials: SparkCredentials;
  compute: { kind: 'cluster'; clusterId: string } | { kind: 'serverless'; sessionId: string };
}

/**
 * Databricks Connect is Spark Connect to a workspace host on 443 with the compute named in a
 * header: `x-databricks-cluster-id` for a cluster, `x-databricks-session-id` for serverless.
 * Host and credentials come from the same resolution as the Databricks backend (explicit values,
 * DATABRICKS_* variables, then the ~/.databrickscfg profile), and so do `cluster_id` /
 * `serverless_compute_id = auto` (DATABRICKS_CLUSTER_ID / DATABRICKS_SERVERLESS_COMPUTE_ID).
 */
export async function resolveDatabricksConnect(options: DatabricksConnectOptions = {}): Promise<DatabricksConnectTarget> {
  const { serverless, env, homeDir, fetch, now, ...explicit } = options;
  const config = await loadDatabricksConfig(explicit, { ...(env ? { env } : {}), ...(homeDir ? { homeDir } : {}) });
  const provider = credentialsFor(config, { ...(fetch ? { fetch } : {}), ...(now ? { now } : {}) });
  const host = new URL(config.host);
  // A workspace is https on 443; http:// is only for a local test server.
  const tls = host.protocol === 'https:';
  const port = host.port !== '' ? host.port : tls ? '443' : '80';
  const base = `sc://${host.hostname}:${port}/;use_ssl=${tls}`;
  const wantServerless = serverless === true || (options.clusterId === undefined && config.clusterId === undefined && config.serverlessComputeId?.toLowerCase() === 'auto');
  if (!wantServerless && config.clusterId === undefined) {
    throw new MlopsError(
      'CONFIG_INVALID',
      `Databricks Connect to ${config.host} needs compute: set DATABRICKS_CLUSTER_ID (or cluster_id in the profile), or DATABRICKS_SERVERLESS_COMPUTE_ID=auto (serverless_compute_id = auto) for serverless`,
      { details: { host: config.host, ...(config.profile ? { profile: config.profile } : {}) } },
    );
  }
  const credentials: SparkCredentials = {
    authorization: (o) => provider.authorization(o),
    secrets: () => provider.secrets(),
    ...(provider.extraHeaders !== undefined ? { extraHeaders: (o) => provider.extraHeaders!(o) } : {}),
  };
  if (wantServerless) {
    const sessionId = randomUUID();
    return { url: `${base};session_id=${sessionId};x-databricks-session-id=${sessionId}`, credentials, compute: { kind: 'serverless', sessionId } };
  }
  const clusterId = config.clusterId!;
  return { url: `${base};x-databricks-cluster-id=${encodeURIComponent(clusterId)}`, credentials, compute: { kind: 'cluster', clusterId } };
}
