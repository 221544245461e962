import { MlopsError } from '../errors.js';
import { PARENT_RUN_ID_TAG } from './nested-runs.js';
import type { Experiment, Metric, RunInfo, TrackingStore } from './types.js';

/** Finds an experiment by name, creating it when absent (MLflow's set_experiment). */
export async function getOrCreateExperiment(tracking: TrackingStore, name: string, options: { signal?: AbortSignal } = {}): Promise<Experiment> {
  const existing = await tracking.getExperimentByName(name, options);
  if (existing) {
    if (existing.lifecycleStage === 'deleted') {
      throw new MlopsError('INVALID_ARGUMENT', `Experiment "${name}" (id ${existing.experimentId}) is deleted; restore it or choose another experiment_path`, {
        details: { experiment: name },
      });
    }
    return existing;
  }
  try {
    const id = await tracking.createExperiment(name, options);
    return await tracking.getExperiment(id, options);
  } catch (error) {
    // Another process created it between our lookup and create: use theirs.
    if (error instanceof MlopsError && error.code === 'ALREADY_EXISTS') {
      const raced = await tracking.getExperimentByName(name, options);
      if (raced) return raced;
    }
    throw error;
  }
}

export interface WithRunOptions {
  experimentId: string;
  runName: string;
  tags?: Record<string, string>;
  /** Nest the run under this one (tag mlflow.parentRunId, set at create time), like `start_run(nested=True)`. */
  parentRunId?: string | undefined;
  now: () => number;
  signal?: AbortSignal;
}

/**
 * Runs `body` inside an MLflow run: FINISHED when it returns, FAILED when it throws (the error
 * is rethrown), like `with mlflow.start_run():` (`nested=True` when `parentRunId` is given); KILLED
 * when it throws after `signal` fired (Ctrl-C, SIGTERM), as MLflow marks an interrupted run.
 */
export async function withRun<T>(tracking: TrackingStore, options: WithRunOptions, body: (run: RunInfo) => Promise<T>): Promise<T> {
  const signalOpt = options.signal ? { signal: options.signal } : {};
  const tags = options.parentRunId ? { ...options.tags, [PARENT_RUN_ID_TAG]: options.parentRunId } : options.tags;
  const run = await tracking.createRun({
    experimentId: options.experimentId,
    runName: options.runName,
    startTime: options.now(),
    ...(tags ? { tags } : {}),
    ...signalOpt,
  });
  try {
    const result = await body(run);
    await tracking.updateRun(run.runId, { status: 'FINISHED', endTime: options.now() });
    return result;
  } catch (error) {
    // Best effort: the original error matters more than a failure to mark the run.
    const status = options.signal?.aborted ? 'KILLED' : 'FAILED';
    await tracking.updateRun(run.runId, { status, endTime: options.now() }).catch(() => undefined);
    throw error;
  }
}

/** MLflow's log-batch limit on metrics per call. */
export const MAX_METRICS_PER_BATCH = 1000;

export async function logMetrics(tracking: TrackingStore, runId: string, metrics: Metric[], options: { signal?: AbortSignal } = {}): Promise<void> {
  for (let i = 0; i < metrics.length; i += MAX_METRICS_PER_BATCH) {
    await tracking.logBatch(runId, { metrics: metrics.slice(i, i + MAX_METRICS_PER_BATCH) }, options);
  }
}
