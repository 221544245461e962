import type { ResolvedConfig } from '../config/types.js';
import type { SparkEngine } from '../engine/spark-engine.js';
import type { Reporter } from '../reporter.js';
import type { Workspace } from '../workspace/types.js';

/** What every stage shell receives. Stages never build a backend themselves. */
export interface StageContext {
  workspace: Workspace;
  config: ResolvedConfig;
  reporter: Reporter;
  /** Injected clock (milliseconds since the epoch) so tests can pin time. */
  now: () => number;
  signal?: AbortSignal;
  /**
   * The environment variables a stage may read (an ADLS source's AZURE_STORAGE_* credentials); default
   * process.env. Stages read it, never record it: its values may be secrets.
   */
  env?: Record<string, string | undefined>;
  /**
   * The MLflow run that the runs this stage creates are nested under (tag mlflow.parentRunId):
   * runJob sets it to the job run. Unset, a stage's run is a top-level run.
   */
  parentRunId?: string;
  /**
   * The target's Spark engine (`engine: { spark: … }` in mlops.yml, or SPARK_REMOTE): tables are
   * read and written, and scoring runs, through it. Unset, tables live in the workspace.
   */
  spark?: SparkEngine;
}
