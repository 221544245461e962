import type { JobResult } from '../pipeline/result.js';

/** One logged value of a metric: MLflow's step (the epoch for training curves) and the value. */
export interface CurvePoint {
  step: number;
  value: number;
}

/** The per-epoch metrics the train stage logs; val_* only when a validation slice was held out. */
export const TRAINING_CURVE_KEYS = ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const;
export type TrainingCurveKey = (typeof TRAINING_CURVE_KEYS)[number];

/** The job result as plain data: the failure's cause object is dropped, as in `-o json`. */
export type ReportedJobResult = Omit<JobResult, 'failure'> & {
  failure?: Omit<NonNullable<JobResult['failure']>, 'cause'>;
};

/** Everything the HTML run report shows; plain JSON-able data, so the renderer needs no I/O. */
export interface RunReportData {
  result: ReportedJobResult;
  /** Per-epoch values of the training run's metrics, by step; a key is absent when it was not logged. */
  training_curves: Partial<Record<TrainingCurveKey, CurvePoint[]>>;
  /** Why there are no curves although the run trained, e.g. the training run cannot be found any more. */
  training_curves_note?: string;
  /** The landing folder or URL ingestion read from, when the caller knows it (the job result does not hold it). */
  source?: string;
  /** ISO timestamp of when the report was made. */
  generated_at: string;
}
