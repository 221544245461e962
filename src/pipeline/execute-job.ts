import { applyJobOverrides, loadConfig, type LoadConfigOptions } from '../config/load.js';
import { JOB_NAMES, JOB_STAGES, type JobConfig, type JobName, type ResolvedConfig, type StageName } from '../config/types.js';
import { MlopsError, isMlopsError, throwIfAborted } from '../errors.js';
import type { StageContext } from '../stages/context.js';
import { checkIngestPlaces } from '../stages/ingest/check-places.js';
import { checkScoreOutput, type OutputCheckContext } from '../stages/score/check-output.js';
import type { Experiment } from '../tracking/types.js';
import { systemTags } from '../tracking/system-tags.js';
import { getOrCreateExperiment } from '../tracking/with-run.js';
import { openWorkspace } from '../workspace/open.js';
import { sparkEngineFor } from '../engine/spark-engine.js';
import type { Workspace } from '../workspace/types.js';
import { JOB_STATUS_TAG, JOB_TAG, JOB_TARGET_TAG, loadJobRecord, saveJobRecord, stagesToResume } from './job-record.js';
import { acquireWorkspaceLock } from './lock.js';
import { localProbe, ownerTags, RUN_HOST_TAG, RUN_PID_TAG, runLiveness, startHeartbeat } from './liveness.js';
import { redactParameters } from '../redact.js';
import { silentReporter, type Reporter } from '../reporter.js';
import { buildJobResult, type JobResult, type StageRecord } from './result.js';
import { STAGES } from '../stages/registry.js';
import type { PipelineState } from '../stages/state.js';
import { validateJob, type ValidatedJob } from './validate-job.js';
import { runThroughCache } from './step-cache-store.js';

/** Called around every stage; a hook that throws fails that stage like the stage itself would. */
export interface JobHooks {
  beforeStage?(event: { stage: StageName; ctx: StageContext; state: PipelineState; parameters: Record<string, string> }): void | Promise<void>;
  afterStage?(event: { stage: StageName; ctx: StageContext; state: PipelineState; record: StageRecord }): void | Promise<void>;
}

export interface ExecuteJobOptions {
  job: JobName;
  /** An already resolved configuration; otherwise it is loaded with `load`. */
  config?: ResolvedConfig;
  /**
   * How to find and resolve mlops.yml (path, target, --var values, environment). Its `env` (default
   * process.env) is also where the workspace and the stages find credentials, e.g. AZURE_STORAGE_*.
   */
  load?: LoadConfigOptions;
  /** `--json` overrides of the job's parameters. */
  json?: string | Record<string, unknown>;
  /** Resume this earlier job run (its MLflow run id) from the stage that failed, with its parameters. */
  resume?: string;
  /** Run every stage, even one whose inputs match an earlier run's (the step cache; `--force`). */
  force?: boolean;
  /**
   * Called with the job's result once its record is saved, before the workspace lock is released —
   * e.g. the HTML run report (src/run.ts). What a consumer returns is merged into the result.
   */
  consumers?: readonly JobResultConsumer[];
  /** Use this workspace instead of opening the one the target names. */
  workspace?: Workspace;
  reporter?: Reporter;
  hooks?: JobHooks;
  now?: () => number;
  signal?: AbortSignal;
}

export type JobResultConsumer = (event: {
  result: JobResult;
  workspace: Workspace;
  /** The job parameters the run used. */
  parameters: Record<string, string>;
  signal?: AbortSignal;
}) => Promise<Partial<JobResult> | void>;

/** Tag and artifact on a resumed job run that record the parameters changed for the resumption (MLflow params are immutable). */
export const RESUME_CHANGES_TAG = 'mlops.resume_changes';
export const RESUME_CHANGES_ARTIFACT_PREFIX = 'job/resumed/';

/**
 * Runs one job's stages in order, recording the job run as an MLflow run. Configuration and
 * usage problems throw (nothing ran); a failing or rejected stage does not throw: the result says
 * which stage stopped the run and why, so callers always get the stages' record.
 */
export async function executeJob(options: ExecuteJobOptions): Promise<JobResult> {
  if (!(JOB_NAMES as readonly string[]).includes(options.job)) {
    throw new MlopsError('USAGE', `Unknown job "${options.job}"; the jobs are ${JOB_NAMES.join(', ')}`, { details: { job: options.job } });
  }
  const config = options.config ?? (await loadConfig(options.load));
  const reporter = options.reporter ?? silentReporter;
  const now = options.now ?? Date.now;
  const signal = options.signal ? { signal: options.signal } : {};
  let job: JobConfig = config.jobs[options.job];
  // Validate before acting: every parameter of every stage, with the --json overrides, before a
  // workspace is opened, a lock taken or a run created. A resumed run is checked again below,
  // against its recorded parameters, before it is touched.
  if (options.json !== undefined) job = applyJobOverrides(job, options.json);
  let validated: ValidatedJob | undefined = options.resume ? undefined : validateJob(options.job, job.parameters);
  const workspace = options.workspace ?? (await openWorkspace(config, options.load?.env ? { env: options.load.env } : {}));
  const release = workspace.kind === 'local' ? await acquireWorkspaceLock(workspace.location, `mlops ${options.job}`) : async () => {};
  let stopHeartbeat: (() => Promise<void>) | undefined;
  // The target's Spark engine connects on a stage's first use and is stopped when the job ends, however it ends.
  const spark = sparkEngineFor(config, options.load?.env ?? process.env);
  try {
    const { tracking } = workspace;

    let state: PipelineState = {};
    let done = new Set<string>();
    let previous: StageRecord[] = [];
    let runId: string;
    let experiment: Experiment;
    if (options.resume) {
      const earlier = await tracking.getRun(options.resume, signal);
      const liveness = runLiveness(earlier.info.status, earlier.data.tags, localProbe(now()));
      if (liveness.state === 'running') {
        throw new MlopsError('LOCKED', `Run ${options.resume} is still running (pid ${earlier.data.tags[RUN_PID_TAG] ?? '?'} on ${earlier.data.tags[RUN_HOST_TAG] ?? '?'}); wait for it to end`, {
          details: { run_id: options.resume },
        });
      }
      const record = await loadJobRecord(tracking, options.resume, signal);
      if (record.job !== options.job) {
        throw new MlopsError('USAGE', `Run ${options.resume} is a ${record.job} run, not ${options.job}: resume it with \`mlops run ${record.job} --resume ${options.resume}\``);
      }
      done = stagesToResume(record, options.resume);
      job = { ...config.jobs[options.job], parameters: record.parameters };
      if (options.json !== undefined) job = applyJobOverrides(job, options.json);
      validated = validateJob(options.job, job.parameters);
      await preflight(options.job, { workspace, config, ...signal, ...(spark ? { spark } : {}) }, job.parameters);
      const changes = changedParameters(record.parameters, job.parameters);
      state = record.state;
      previous = record.stages;
      runId = options.resume;
      const reopened = await tracking.updateRun(runId, { status: 'RUNNING' }, signal);
      await tracking.logBatch(runId, { tags: ownerTags(now()) }, signal);
      experiment = await tracking.getExperiment(reopened.experimentId, signal);
      if (Object.keys(changes).length > 0) {
        const resumedAt = new Date(now()).toISOString();
        const entry = { resumed_at: resumedAt, changed: redactChanges(changes) };
        await tracking.logArtifact(runId, `${RESUME_CHANGES_ARTIFACT_PREFIX}${resumedAt.replace(/[:.]/g, '-')}.json`, JSON.stringify(entry, null, 2), signal);
        await tracking.setTag(runId, RESUME_CHANGES_TAG, JSON.stringify(entry.changed).slice(0, 5000), signal);
        reporter.report({ type: 'log', message: `resuming with changed parameters: ${Object.keys(changes).join(', ')}` });
      }
    } else {
      await preflight(options.job, { workspace, config, ...signal, ...(spark ? { spark } : {}) }, job.parameters);
      const experimentName = job.parameters.experiment_path || `/Shared/${config.bundle.name}/${config.target}/jobs`;
      experiment = await getOrCreateExperiment(tracking, experimentName, signal);
      const tags = {
        ...(await systemTags({ sourceName: config.configPath ?? 'mlops-e2e', cwd: config.configDir })),
        [JOB_TAG]: options.job,
        [JOB_TARGET_TAG]: config.target,
        ...ownerTags(now()),
      };
      const run = await tracking.createRun({ experimentId: experiment.experimentId, runName: `${job.displayName}`, startTime: now(), tags, ...signal });
      runId = run.runId;
      await tracking.logBatch(runId, { params: redactParameters(job.parameters) }, signal);
      // Recorded before any stage runs, and again after each: a run whose process dies can be resumed.
      await saveJobRecord(tracking, runId, { job: options.job, target: config.target, parameters: redactParameters(job.parameters), stages: [], state }, signal);
    }
    stopHeartbeat = startHeartbeat(tracking, runId);

    // Every stage's MLflow run is nested under the job run, a resumed job's under the same run.
    const ctx: StageContext = { workspace, config, reporter, now, env: options.load?.env ?? process.env, parentRunId: runId, ...signal, ...(spark ? { spark } : {}) };
    const startedAt = now();
    const stages: StageRecord[] = [];
    let status: JobResult['status'] = 'succeeded';
    let failure: JobResult['failure'];

    for (const stage of JOB_STAGES[options.job]) {
      if (done.has(stage)) {
        const earlier = previous.find((s) => s.name === stage)!;
        stages.push({ ...earlier, resumed_from: runId });
        reporter.report({ type: 'log', stage, message: `already succeeded in run ${runId}; not run again` });
        continue;
      }
      if (status !== 'succeeded') {
        stages.push({ name: stage, status: 'skipped', duration_ms: 0 });
        reporter.report({ type: 'stage-end', stage, status: 'skipped', durationMs: 0 });
        continue;
      }
      reporter.report({ type: 'stage-start', stage });
      const t0 = performance.now();
      let record: StageRecord;
      try {
        throwIfAborted(options.signal);
        await options.hooks?.beforeStage?.({ stage, ctx, state, parameters: job.parameters });
        const declaration = STAGES[stage];
        const upstream = Object.fromEntries(Object.keys(declaration.reads).flatMap((key) => (key in state ? [[key, state[key as keyof PipelineState]]] : [])));
        const { output, reusedFrom } = await runThroughCache(ctx, declaration, { params: validated![stage], upstream }, { force: options.force ?? false });
        if (reusedFrom !== undefined) reporter.report({ type: 'log', stage, message: `reused from run ${reusedFrom} (inputs unchanged)` });
        state = { ...state, [declaration.produces]: output };
        const halt = declaration.halts?.(output as never);
        record = {
          name: stage,
          status: halt === 'rejected' ? 'rejected' : 'succeeded',
          duration_ms: Math.round(performance.now() - t0),
          ...(reusedFrom !== undefined ? { reused_from: reusedFrom } : {}),
        };
        await options.hooks?.afterStage?.({ stage, ctx, state, record });
        if (halt === 'rejected') status = 'rejected';
      } catch (error) {
        // Whatever a stage throws once the signal has fired is the cancellation (an ABORTED error, or
        // the AbortError of a fetch or a stream it was waiting on): the stage is cancelled, not failed.
        const cancelled = options.signal?.aborted === true;
        const message = cancelled ? abortMessage(options.signal!) : error instanceof Error ? error.message : String(error);
        record = { name: stage, status: cancelled ? 'cancelled' : 'failed', duration_ms: Math.round(performance.now() - t0), error: message };
        status = cancelled ? 'cancelled' : 'failed';
        failure = { stage, code: cancelled ? 'ABORTED' : isMlopsError(error) ? error.code : 'INTERNAL', message, cause: error };
      }
      stages.push(record);
      if (record.status === 'succeeded') {
        // Not abortable: a stage that succeeded is recorded as such even when Ctrl-C comes right after it.
        await saveJobRecord(tracking, runId, { job: options.job, target: config.target, parameters: redactParameters(job.parameters), stages, state });
      }
      reporter.report({
        type: 'stage-end',
        stage,
        status: record.status,
        durationMs: record.duration_ms,
        ...(record.error ? { error: record.error } : {}),
      });
    }

    const finishedAt = now();
    // The record is written even when a stage failed: that is what makes the run resumable.
    await saveJobRecord(tracking, runId, { job: options.job, target: config.target, parameters: redactParameters(job.parameters), stages, state });
    await tracking.setTag(runId, JOB_STATUS_TAG, status);
    await tracking.updateRun(runId, { status: status === 'failed' ? 'FAILED' : status === 'cancelled' ? 'KILLED' : 'FINISHED', endTime: finishedAt });
    if (status === 'failed' || status === 'cancelled') {
      reporter.report({ type: 'log', message: `resume from the ${status} stage with: mlops run ${options.job} --resume ${runId}` });
    }
    const result = buildJobResult({
      runId,
      job: options.job,
      config,
      workspace,
      experiment: { name: experiment.name, id: experiment.experimentId },
      state,
      stages,
      status,
      startedAt,
      finishedAt,
      ...(failure ? { failure } : {}),
    });
    // A cancelled run stops here: its record is saved and its runs are KILLED; the report waits for a
    // run that ends (the resumed one writes it).
    for (const consume of status === 'cancelled' ? [] : (options.consumers ?? [])) {
      Object.assign(result, await consume({ result, workspace, parameters: job.parameters, ...signal }));
    }
    return result;
  } finally {
    await spark?.stop();
    await stopHeartbeat?.();
    await release();
  }
}

/** Checks that need the workspace but no work done, so that a job refused for them leaves no run behind (a configuration error, exit 2). */
async function preflight(job: JobName, ctx: OutputCheckContext, parameters: Record<string, string>): Promise<void> {
  if (JOB_STAGES[job].includes('ingest')) await checkIngestPlaces(ctx, parameters);
  if (JOB_STAGES[job].includes('score')) await checkScoreOutput(ctx, parameters);
}

/** What a cancelled stage records as its error: the abort's reason (e.g. "interrupted (SIGINT)"). */
function abortMessage(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return `cancelled: ${reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'the operation was aborted'}`;
}

/** Parameters whose value differs between the recorded run and its resumption. */
export function changedParameters(before: Record<string, string>, after: Record<string, string>): Record<string, { from: string | undefined; to: string | undefined }> {
  const changes: Record<string, { from: string | undefined; to: string | undefined }> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[key] !== after[key]) changes[key] = { from: before[key], to: after[key] };
  }
  return changes;
}

function redactChanges(changes: ReturnType<typeof changedParameters>): Record<string, { from: string | undefined; to: string | undefined }> {
  const from = redactParameters(Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v.from ?? ''])));
  const to = redactParameters(Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v.to ?? ''])));
  return Object.fromEntries(Object.keys(changes).map((key) => [key, { from: changes[key]!.from === undefined ? undefined : from[key], to: changes[key]!.to === undefined ? undefined : to[key] }]));
}
