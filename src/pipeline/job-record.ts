import { JOB_STAGES, type JobName } from '../config/types.js';
import { MlopsError } from '../errors.js';
import type { TrackingStore } from '../tracking/types.js';
import type { StageRecord } from './result.js';
import type { PipelineState } from './state.js';

/**
 * Every job run is also an MLflow run (like a Databricks job run shows up beside its notebooks'
 * runs): its tags say which job and target, and a state artifact holds what each stage produced,
 * so a failed run can be resumed from the stage that failed — on any backend.
 */
export const JOB_TAG = 'mlops.job';
export const JOB_TARGET_TAG = 'mlops.target';
export const JOB_STATUS_TAG = 'mlops.job_status';
export const JOB_STATE_ARTIFACT = 'job/state.json';

export interface JobRecord {
  job: JobName;
  target: string;
  /** The job parameters the run used, after --json overrides (resume reuses them). */
  parameters: Record<string, string>;
  stages: StageRecord[];
  state: PipelineState;
}

export async function saveJobRecord(tracking: TrackingStore, runId: string, record: JobRecord, options: { signal?: AbortSignal } = {}): Promise<void> {
  await tracking.logArtifact(runId, JOB_STATE_ARTIFACT, JSON.stringify(record, null, 2), options);
}

export async function loadJobRecord(tracking: TrackingStore, runId: string, options: { signal?: AbortSignal } = {}): Promise<JobRecord> {
  let bytes: Uint8Array;
  try {
    bytes = await tracking.downloadArtifact(runId, JOB_STATE_ARTIFACT, options);
  } catch (error) {
    if (error instanceof MlopsError && error.code === 'NOT_FOUND') {
      throw new MlopsError('NOT_FOUND', `Run ${runId} is not a job run of mlops-e2e (it has no ${JOB_STATE_ARTIFACT}); \`mlops runs list\` shows the job runs`, {
        cause: error,
        details: { run_id: runId },
      });
    }
    throw error;
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as JobRecord;
  } catch (error) {
    throw new MlopsError('CORRUPT', `Run ${runId}: ${JOB_STATE_ARTIFACT} is not valid JSON`, { cause: error, details: { run_id: runId } });
  }
}

/**
 * The stages not to run again when resuming: those before the first one that did not succeed. A run
 * whose process died records fewer stages than its job has: it resumes after the last one recorded.
 */
export function stagesToResume(record: Pick<JobRecord, 'stages'> & { job?: JobName }, runId: string): Set<string> {
  const rejected = record.stages.find((s) => s.status === 'rejected');
  if (rejected) {
    throw new MlopsError('USAGE', `Run ${runId} was rejected at ${rejected.name}; a rejection is final — train a new version or run model_deployment_job with another model_version`, {
      details: { run_id: runId },
    });
  }
  const first = record.stages.findIndex((s) => s.status !== 'succeeded');
  const expected = record.job === undefined ? record.stages.length : JOB_STAGES[record.job].length;
  if (first === -1 && record.stages.length < expected) return new Set(record.stages.map((s) => s.name));
  if (first === -1) {
    throw new MlopsError('USAGE', `Run ${runId} already succeeded; there is nothing to resume`, { details: { run_id: runId } });
  }
  return new Set(record.stages.slice(0, first).map((s) => s.name));
}
