/** The resolved configuration: what mlops.yml says for one target, after variables and overrides. */

export const JOB_NAMES = [
  'data_ingestion_job',
  'model_training_job',
  'model_deployment_job',
  'batch_inference_job',
  'pipeline_job',
] as const;
export type JobName = (typeof JOB_NAMES)[number];

export const STAGE_NAMES = ['ingest', 'train', 'evaluate', 'approve', 'deploy', 'score'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** Which stages each job runs, in order; the same as the reference bundle's job definitions. */
export const JOB_STAGES: Record<JobName, readonly StageName[]> = {
  data_ingestion_job: ['ingest'],
  model_training_job: ['train'],
  model_deployment_job: ['evaluate', 'approve', 'deploy'],
  batch_inference_job: ['score'],
  pipeline_job: ['ingest', 'train', 'evaluate', 'approve', 'deploy', 'score'],
};

export interface MetricThreshold {
  /** The metric must be at least (or at most, when greater_is_better is false) this value. */
  threshold?: number;
  /** Against the current champion: the change must be at least this much in the better direction. */
  minAbsoluteChange?: number;
  /** Against the current champion: the relative change must be at least this fraction. */
  minRelativeChange?: number;
  greaterIsBetter: boolean;
}

export type ApprovalMode = 'disabled' | 'dry_run' | 'enabled';

export interface ApprovalConfig {
  mode: ApprovalMode;
  /** metric name (as the evaluate stage names it, e.g. accuracy, f1_macro, log_loss) → rule */
  thresholds: Record<string, MetricThreshold>;
}

export interface LocalWorkspaceConfig {
  type: 'local';
  /** Absolute path of the folder that holds Volumes/, tables/, mlflow.db and mlartifacts/. */
  root: string;
}

export interface DatabricksWorkspaceConfig {
  type: 'databricks';
  host?: string;
  profile?: string;
  warehouseId?: string;
}

export type WorkspaceConfig = LocalWorkspaceConfig | DatabricksWorkspaceConfig;

export interface JobConfig {
  name: JobName;
  /** Display name, e.g. `[dev] data-ingestion`. */
  displayName: string;
  /** Job parameters after interpolation; all values are strings, as in Databricks job parameters. */
  parameters: Record<string, string>;
}

/**
 * A target's compute engine for tables and scoring (`engine:` in mlops.yml). `remote` is a Spark
 * Connect URL (sc://host:port); `databricks` means Databricks Connect with the target's credentials
 * and its cluster or serverless compute (DATABRICKS_CLUSTER_ID / DATABRICKS_SERVERLESS_COMPUTE_ID).
 */
export interface EngineConfig {
  spark: { remote: string } | { databricks: true };
  /**
   * The catalog a three-level name's first part is replaced by, on a Spark without Unity Catalog
   * (default spark_catalog for a sc:// remote); undefined keeps names as they are.
   */
  sessionCatalog?: string;
  /** Whether the remote came from the SPARK_REMOTE environment variable or the target. */
  remoteFrom: 'SPARK_REMOTE' | 'target';
}

export type TrackingUriFrom = 'MLFLOW_TRACKING_URI' | 'tracking_uri' | 'workspace';

export interface ResolvedConfig {
  /** Absolute path of the mlops.yml that was read; undefined when the embedded defaults were used. */
  configPath: string | undefined;
  /** Relative paths in parameters resolve against this folder (the config file's folder). */
  configDir: string;
  bundle: { name: string };
  target: string;
  /** Final variable values after precedence: --var > BUNDLE_VAR_<name> > target > default. */
  variables: Record<string, string>;
  workspace: WorkspaceConfig;
  /**
   * MLFLOW_TRACKING_URI > target tracking_uri > the local workspace's SQLite store
   * (sqlite:///<root>/mlflow.db), or its older file store (file://<root>/mlruns) when that holds
   * runs and no mlflow.db exists yet.
   */
  trackingUri: string;
  /** Where trackingUri came from: the environment, the target's tracking_uri, or the workspace's own store. */
  trackingUriFrom?: TrackingUriFrom;
  approval: ApprovalConfig;
  jobs: Record<JobName, JobConfig>;
  /** The target's Spark engine; absent, tables and scoring stay in the workspace. */
  engine?: EngineConfig;
}
