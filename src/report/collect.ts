import { MlopsError, throwIfAborted } from '../errors.js';
import type { JobResult } from '../pipeline/result.js';
import type { Workspace } from '../workspace/types.js';
import { TRAINING_CURVE_KEYS, type CurvePoint, type ReportedJobResult, type RunReportData, type TrainingCurveKey } from './data.js';

export interface CollectRunReportOptions {
  signal?: AbortSignal;
  /** The landing folder or URL the run ingested from (the job result does not hold it), for the lineage. */
  source?: string;
  /** Milliseconds since the epoch; stamps the report. Default Date.now. */
  now?: () => number;
}

/**
 * Gathers what the report shows: the job result itself plus what it does not hold, the training
 * run's per-epoch metric history from the tracking store. A training run that cannot be found any
 * more (NOT_FOUND) leaves the curves out with a note rather than failing the report; other errors
 * (the tracking server unreachable, an abort) are thrown.
 */
export async function collectRunReportData(result: JobResult, workspace: Workspace, options: CollectRunReportOptions = {}): Promise<RunReportData> {
  throwIfAborted(options.signal);
  const call = options.signal ? { signal: options.signal } : {};
  const trainingCurves: Partial<Record<TrainingCurveKey, CurvePoint[]>> = {};
  let note: string | undefined;
  const runId = result.training?.run_id;
  if (runId) {
    try {
      for (const key of TRAINING_CURVE_KEYS) {
        const history = await workspace.tracking.getMetricHistory(runId, key, call);
        if (history.length > 0) trainingCurves[key] = byStep(history);
      }
    } catch (error) {
      if (!(error instanceof MlopsError && error.code === 'NOT_FOUND')) throw error;
      note = `the training run ${runId} was not found in ${workspace.tracking.uri}`;
    }
  }
  return {
    result: plainResult(result),
    training_curves: trainingCurves,
    ...(note ? { training_curves_note: note } : {}),
    ...(options.source ? { source: options.source } : {}),
    generated_at: new Date((options.now ?? Date.now)()).toISOString(),
  };
}

/** One value per step, in step order; when a step was logged twice the later timestamp wins, as in MLflow's UI. */
function byStep(history: readonly { step: number; value: number; timestamp: number }[]): CurvePoint[] {
  const latest = new Map<number, { value: number; timestamp: number }>();
  for (const metric of history) {
    const seen = latest.get(metric.step);
    if (!seen || metric.timestamp >= seen.timestamp) latest.set(metric.step, { value: metric.value, timestamp: metric.timestamp });
  }
  return [...latest.entries()].sort(([a], [b]) => a - b).map(([step, { value }]) => ({ step, value }));
}

function plainResult(result: JobResult): ReportedJobResult {
  const { failure, ...rest } = result;
  return failure ? { ...rest, failure: { stage: failure.stage, code: failure.code, message: failure.message } } : rest;
}
