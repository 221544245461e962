import type { ApprovalVerdict } from './approve/decide.js';

/** What an ingestion did (snake_case: it is also the `-o json` shape, under `ingestion`). */
export interface IngestResult {
  files_listed: number;
  files_ingested: number;
  /** Already processed and unchanged since. */
  files_skipped: number;
  /** Files that could not be parsed at all, set aside whole (see quarantined_files for why). */
  files_quarantined: number;
  /** Files changed in place since they were processed (re-ingested or ignored, per on_change). */
  files_changed: number;
  /** Files that changed while being read: left for the next run. */
  files_deferred: number;
  rows_written: number;
  rows_quarantined: number;
  /** Volume path of the folder holding all ingested Parquet of the source, every run's: <volume_path>/ingested */
  output_path: string;
  /** <volume_path>/quarantine: the quarantine table (and _files/, copies of files quarantined whole) */
  quarantine_path: string;
  /** Source-relative paths of the files ingested by this run. */
  files: string[];
  quarantined_files: { path: string; reason: string }[];
  changed_files: { path: string; action: 'reingested' | 'ignored' }[];
  /** The MLflow run that records this ingestion. */
  run_id: string;
  /** Digest of the whole ingested dataset after this run (see datasetDigest). */
  data_digest: string;
}

/** What the ingest stage reports (snake_case: it is also the `-o json` shape). */
export type IngestionSummary = IngestResult;

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
  /** Two-class models: the precision-recall curve of the positive (second) label, thinned to ≤ 101 points. */
  pr_curve?: { positive_label: string; recall: number[]; precision: number[]; thresholds: number[] };
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
  /** Per categorical input, how many values were not in its vocabulary (scored as all zeros); only when some were. */
  unseen_categories?: Record<string, number>;
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
