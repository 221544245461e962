import type { ApprovalVerdict } from '../stages/approve/decide.js';

/** What the ingest stage reports (snake_case: it is also the `-o json` shape). */
export type { IngestResult as IngestionSummary } from '../stages/ingest/ingest.js';
import type { IngestResult as IngestionSummary } from '../stages/ingest/ingest.js';

export interface ModelRef {
  name: string;
  version: string;
  uri: string;
}

export interface TrainingSummary {
  run_id: string;
  experiment_id: string;
  experiment_name: string;
  model: ModelRef;
  metrics: Record<string, number>;
  epochs_run: number;
}

export interface EvaluationSummary {
  run_id: string;
  model: ModelRef;
  metrics: Record<string, number>;
  confusion_matrix: { labels: string[]; matrix: number[][] };
  /** sha256 of the evaluation rows, so two evaluations can be seen to use the same set. */
  dataset_digest: string;
  dataset_rows: number;
  champion?: { version: string; metrics: Record<string, number> };
}

export interface ApprovalSummary {
  model: ModelRef;
  verdict: ApprovalVerdict;
}

export interface DeploymentSummary {
  model: ModelRef;
  alias: string;
  changed: boolean;
  previous_champion: string | undefined;
}

export interface PredictionSummary {
  /** Where the predictions are: a local folder or file, or a table location. */
  path: string;
  rows: number;
  table?: string;
  model: ModelRef;
}

/** Facts passed from stage to stage within one job run. */
export interface PipelineState {
  ingestion?: IngestionSummary;
  training?: TrainingSummary;
  evaluation?: EvaluationSummary;
  approval?: ApprovalSummary;
  deployment?: DeploymentSummary;
  predictions?: PredictionSummary;
}
