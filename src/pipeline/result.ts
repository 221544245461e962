import type { JobName, ResolvedConfig, StageName } from '../config/types.js';
import type { ErrorCode } from '../errors.js';
import { redactUrl } from '../redact.js';
import type { Workspace } from '../workspace/types.js';
import type {
  ApprovalSummary,
  DeploymentSummary,
  EvaluationSummary,
  IngestionSummary,
  ModelRef,
  PipelineState,
  PredictionSummary,
  TrainingSummary,
} from './state.js';

export interface StageRecord {
  name: StageName;
  /** `cancelled`: stopped by an abort (Ctrl-C, SIGTERM); a resumed run starts again from this stage. */
  status: 'succeeded' | 'failed' | 'rejected' | 'skipped' | 'cancelled';
  duration_ms: number;
  error?: string;
  /** Set when a resumed run reused this stage's earlier success instead of running it again. */
  resumed_from?: string;
  /** Set when the step cache reused an earlier run's output (this stage run id) because the stage's inputs, parameters and code were unchanged. */
  reused_from?: string;
}

/** The outcome of one job run; `-o json` prints exactly this (less `failure.cause`). */
export interface JobResult {
  run_id: string;
  job: JobName;
  status: 'succeeded' | 'rejected' | 'failed' | 'cancelled';
  target: string;
  workspace: { kind: Workspace['kind']; location: string };
  started_at: string;
  duration_ms: number;
  stages: StageRecord[];
  tracking: { uri: string; experiment_name?: string; experiment_id?: string };
  ingestion?: IngestionSummary;
  training?: Omit<TrainingSummary, 'model'>;
  model?: ModelRef;
  evaluation?: Omit<EvaluationSummary, 'model'>;
  approval?: ApprovalSummary['verdict'];
  deployment?: Omit<DeploymentSummary, 'model'>;
  predictions?: Omit<PredictionSummary, 'model'>;
  failure?: { stage: StageName; code: ErrorCode; message: string; cause?: unknown };
  /** The self-contained HTML run report (also logged to the job run as report/run_report.html). */
  report?: { path: string };
}

export interface JobResultInput {
  runId: string;
  job: JobName;
  config: ResolvedConfig;
  workspace: Workspace;
  /** The experiment that holds the job run (and, usually, the stages' runs). */
  experiment?: { name: string; id: string };
  state: PipelineState;
  stages: StageRecord[];
  status: JobResult['status'];
  startedAt: number;
  finishedAt: number;
  failure?: JobResult['failure'];
}

export function buildJobResult(input: JobResultInput): JobResult {
  const { state } = input;
  const model = state.deployment?.model ?? state.approval?.model ?? state.evaluation?.model ?? state.training?.model ?? state.predictions?.model;
  const result: JobResult = {
    run_id: input.runId,
    job: input.job,
    status: input.status,
    target: input.config.target,
    workspace: { kind: input.workspace.kind, location: input.workspace.location },
    started_at: new Date(input.startedAt).toISOString(),
    duration_ms: input.finishedAt - input.startedAt,
    stages: input.stages,
    tracking: {
      uri: redactUrl(input.config.trackingUri),
      ...(state.training
        ? { experiment_name: state.training.experiment_name, experiment_id: state.training.experiment_id }
        : input.experiment
          ? { experiment_name: input.experiment.name, experiment_id: input.experiment.id }
          : {}),
    },
  };
  if (state.ingestion) result.ingestion = state.ingestion;
  if (state.training) result.training = without(state.training, 'model');
  if (model) result.model = model;
  if (state.evaluation) result.evaluation = without(state.evaluation, 'model');
  if (state.approval) result.approval = state.approval.verdict;
  if (state.deployment) result.deployment = without(state.deployment, 'model');
  if (state.predictions) result.predictions = without(state.predictions, 'model');
  if (input.failure) result.failure = input.failure;
  return result;
}

function without<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

/** The JSON form: plain data only (the failure's cause object is dropped). */
export function jobResultToJson(result: JobResult): string {
  const { failure, ...rest } = result;
  const plain = failure ? { ...rest, failure: { stage: failure.stage, code: failure.code, message: failure.message } } : rest;
  return JSON.stringify(plain, null, 2);
}
