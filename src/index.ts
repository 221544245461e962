// The public API. Importing this module has no side effects: no backend starts, nothing is read.

export { MlopsError, HttpError, isMlopsError, type ErrorCode } from './errors.js';

export { loadConfig, parseConfig, applyJobOverrides, parseVarArgs, type LoadConfigOptions } from './config/load.js';
export * from './config/types.js';

export { runJob, runPipeline, type RunJobOptions, type JobHooks, type JobResultConsumer } from './run.js';
export { executeJob, type ExecuteJobOptions, RESUME_CHANGES_TAG } from './pipeline/execute-job.js';
export { validateJob, declaredParameters } from './pipeline/validate-job.js';
export { STAGES } from './stages/registry.js';
export type { StageDeclaration, ParamSpec, ParamProblem, StageInput } from './stages/declaration.js';
export { runReportConsumer, REPORT_ARTIFACT } from './report/job-report.js';
export { jobResultToJson, type JobResult, type StageRecord } from './pipeline/result.js';
export type * from './stages/state.js';
export { silentReporter, RecordingReporter, type Reporter, type ProgressEvent } from './reporter.js';
export { renderRunReport } from './report/render.js';
export { collectRunReportData, type CollectRunReportOptions } from './report/collect.js';
export { writeRunReport, type WriteRunReportOptions } from './report/write.js';
export type { RunReportData, ReportedJobResult, CurvePoint, TrainingCurveKey } from './report/data.js';

export type { StageContext } from './stages/context.js';
export { runIngest, type IngestResult, type IngestOptions } from './stages/ingest/ingest.js';
export { ingestStatus, forgetIngested, replayIngested, type IngestStatus, type ForgetResult } from './stages/ingest/manage.js';
export { readIngested } from './stages/ingest/read.js';
export { parseSchema, IRIS_SCHEMA, type IngestSchema, type IngestColumn } from './stages/ingest/schema.js';
export type { IngestParams } from './stages/ingest/params.js';
export { INGEST_STEPS, type IngestStep } from './stages/ingest/steps.js';
export { openSource, type OpenSourceOptions } from './sources/open.js';
export { LocalSource } from './sources/local.js';
export { SourceFileChangedError, type Source, type SourceFile } from './sources/types.js';
export { redactParameters, redactSecrets, redactUrl } from './redact.js';
export { runTrain } from './stages/train/train.js';
export { runEvaluate, type EvaluateInput } from './stages/evaluate/evaluate.js';
export { runApprove } from './stages/approve/approve.js';
export { decideApproval, type ApprovalVerdict, type ThresholdCheck, type HumanDecision } from './stages/approve/decide.js';
export { recordHumanDecision, type HumanDecisionInput, type HumanDecisionResult } from './stages/approve/record-human.js';
export { runDeploy, CHAMPION_ALIAS } from './stages/deploy/deploy.js';
export { runRollback, type RollbackResult } from './stages/deploy/rollback.js';
export { classificationMetrics, type ClassificationMetrics, type ClassMetrics } from './stages/evaluate/metrics.js';
export { confusionMatrixSvg } from './stages/evaluate/confusion-svg.js';
export { runScore, type ScoreTuning } from './stages/score/score.js';
export { predictionSchema, probabilityColumn, INVALID_REASON_COLUMN } from './stages/score/output-schema.js';
export { compileClassifierSql, type CompiledClassifierSql, type CompiledProbability, type SqlCompileOptions } from './model/sql/compile.js';
export { openParquetFile, openParquetBytes, type ParquetSource, type ParquetStreamOptions } from './io/parquet.js';
export { ParquetStreamWriter, FileSink, MemorySink, type ByteSink, type ParquetStreamWriterOptions } from './io/parquet-writer.js';
export { ParquetEncodePool } from './io/workers/parquet-encode-pool.js';
export { loadModel, type LoadedModel } from './stages/load-model.js';

export type { Workspace, VolumeStore, VolumeEntry, TableStore, TableInfo, WriteMode } from './workspace/types.js';
export { openWorkspace } from './workspace/open.js';
export { LocalVolumeStore } from './workspace/local/volumes.js';
export { LocalTableStore } from './workspace/local/tables.js';
export {
  openDatabricksWorkspace,
  asDatabricksWorkspace,
  type DatabricksWorkspace,
  type DatabricksWorkspaceInput,
  type OpenDatabricksOptions,
} from './workspace/databricks/workspace.js';
export { scoreOnWarehouse, type WarehouseScoringInput, type WarehouseScoringResult } from './workspace/databricks/warehouse-scoring.js';
export { loadDatabricksConfig, resolveDatabricksConfig, type DatabricksConfigInput, type ResolvedDatabricksConfig } from './workspace/databricks/auth-config.js';
export { validateBundle, type BundleCheck } from './workspace/databricks/validate-bundle.js';

export type * from './tracking/types.js';
export { FileTrackingStore } from './tracking/file-store/tracking-file-store.js';
export { FileModelRegistry } from './tracking/file-store/registry-file-store.js';
export { parseModelUri, formatModelUri, resolveModelUri, type ModelUri } from './tracking/model-uri.js';
export { openTracking, type OpenTrackingOptions } from './tracking/open.js';
export { openRestTracking, type OpenRestTrackingOptions, type RestTracking } from './tracking/rest/open-rest.js';
export { RestTrackingStore, CLIENT_REQUEST_ID_TAG, type RestTrackingStoreOptions } from './tracking/rest/tracking-client.js';
export { RestModelRegistry, type RestModelRegistryOptions, type SearchRegistryOptions } from './tracking/rest/registry-client.js';
export { MlflowHttpClient, type MlflowHttpClientOptions, type RequestOptions, type RetryEvent } from './tracking/rest/http-client.js';
export { authFromEnv, bearerAuth, basicAuth, type AuthHeaderProvider, type RestAuth } from './tracking/rest/auth.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './http/retry.js';
export type { ArtifactRepository, ArtifactRepositoryFactory } from './tracking/rest/artifact-repository.js';
export { startTrackingServer, createTrackingHandler, type TrackingServerOptions, type RunningTrackingServer } from './tracking/server/server.js';
export { PYFUNC_FLAVOR } from './model/python/pyfunc-flavor.js';
export { PYFUNC_LOADER_MODULE } from './model/python/loader-source.js';

export { Classifier } from './model/classifier.js';
export { unpickle, unpickleAsync, type UnpickleOptions } from './model/pickle/unpickle.js';
export { DEFAULT_UNPICKLE_LIMITS, type UnpickleLimits } from './model/pickle/limits.js';
export type { AllowList, AllowedGlobal } from './model/pickle/allow-list.js';
export type { PickleValue } from './model/pickle/values.js';
export { importSklearnPickle, type ImportedSklearnModel, type ImportSklearnOptions } from './model/sklearn/import-pickle.js';
export { SKLEARN_ALLOW_LIST } from './model/sklearn/allow-list.js';
export { startScoringServer, type ScoringServer, type ScoringServerOptions, type ReloadResult } from './serve/server.js';
export { ModelSource, type ServedModel } from './serve/model-source.js';
export { runCli, type CliIo, type Command, type CommandEntry } from './cli/run-cli.js';

// Spark Connect client (also the subpath export mlops-e2e/spark).
export * from './spark/index.js';
