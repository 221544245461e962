// The public API. Importing this module has no side effects: no backend starts, nothing is read.

export { MlopsError, HttpError, isMlopsError, type ErrorCode } from './errors.js';

export { loadConfig, parseConfig, applyJobOverrides, parseVarArgs, type LoadConfigOptions } from './config/load.js';
export * from './config/types.js';

export { runJob, runPipeline, type RunJobOptions, type JobHooks } from './pipeline/run-job.js';
export { jobResultToJson, type JobResult, type StageRecord } from './pipeline/result.js';
export type * from './pipeline/state.js';
export { silentReporter, RecordingReporter, type Reporter, type ProgressEvent } from './pipeline/reporter.js';

export type { StageContext } from './stages/context.js';
export { runIngest } from './stages/ingest/ingest.js';
export { runTrain } from './stages/train/train.js';
export { runEvaluate, type EvaluateInput } from './stages/evaluate/evaluate.js';
export { runApprove } from './stages/approve/approve.js';
export { decideApproval, type ApprovalVerdict, type ThresholdCheck } from './stages/approve/decide.js';
export { runDeploy, CHAMPION_ALIAS } from './stages/deploy/deploy.js';
export { runScore } from './stages/score/score.js';
export { loadModel, type LoadedModel } from './stages/load-model.js';

export type { Workspace, VolumeStore, VolumeEntry, TableStore, TableInfo, WriteMode } from './workspace/types.js';
export { openWorkspace } from './workspace/open.js';
export { LocalVolumeStore } from './workspace/local/volumes.js';
export { LocalTableStore } from './workspace/local/tables.js';

export type * from './tracking/types.js';
export { FileTrackingStore } from './tracking/file-store/tracking-file-store.js';
export { FileModelRegistry } from './tracking/file-store/registry-file-store.js';
export { parseModelUri, formatModelUri, resolveModelUri, type ModelUri } from './tracking/model-uri.js';

export { Classifier } from './model/classifier.js';
export { runCli, type CliIo, type Command } from './cli/run-cli.js';
