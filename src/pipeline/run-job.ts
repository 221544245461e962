import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyJobOverrides, loadConfig, type LoadConfigOptions } from '../config/load.js';
import { JOB_NAMES, JOB_STAGES, type JobConfig, type JobName, type ResolvedConfig, type StageName } from '../config/types.js';
import { MlopsError, isMlopsError, throwIfAborted } from '../errors.js';
import type { StageContext } from '../stages/context.js';
import { checkScoreOutput, type OutputCheckContext } from '../stages/score/check-output.js';
import type { Experiment } from '../tracking/types.js';
import { systemTags } from '../tracking/system-tags.js';
import { getOrCreateExperiment } from '../tracking/with-run.js';
import { openWorkspace } from '../workspace/open.js';
import type { Workspace } from '../workspace/types.js';
import { JOB_STATUS_TAG, JOB_TAG, JOB_TARGET_TAG, loadJobRecord, saveJobRecord, stagesToResume } from './job-record.js';
import { acquireWorkspaceLock } from './lock.js';
import { localProbe, ownerTags, RUN_HOST_TAG, RUN_PID_TAG, runLiveness, startHeartbeat } from './liveness.js';
import { writeRunReport } from '../report/write.js';
import { redactParameters } from '../redact.js';
import { silentReporter, type Reporter } from './reporter.js';
import { buildJobResult, type JobResult, type StageRecord } from './result.js';
import { STAGE_STEPS } from './stage-steps.js';
import type { PipelineState } from './state.js';

/** Called around every stage; a hook that throws fails that stage like the stage itself would. */
export interface JobHooks {
  beforeStage?(event: { stage: StageName; ctx: StageContext; state: PipelineState; parameters: Record<string, string> }): void | Promise<void>;
  afterStage?(event: { stage: StageName; ctx: StageContext; state: PipelineState; record: StageRecord }): void | Promise<void>;
}

export interface RunJobOptions {
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
  /** Where the HTML run report goes (default: <local workspace>/reports). */
  reportDir?: string;
  /** Use this workspace instead of opening the one the target names. */
  workspace?: Workspace;
  reporter?: Reporter;
  hooks?: JobHooks;
  now?: () => number;
  signal?: AbortSignal;
}

/**
 * Runs one job's stages in order, recording the job run as an MLflow run. Configuration and
 * usage problems throw (nothing ran); a failing or rejected stage does not throw: the result says
 * which stage stopped the run and why, so callers always get the stages' record.
 */
export async function runJob(options: RunJobOptions): Promise<JobResult> {
  if (!(JOB_NAMES as readonly string[]).includes(options.job)) {
    throw new MlopsError('USAGE', `Unknown job "${options.job}"; the jobs are ${JOB_NAMES.join(', ')}`, { details: { job: options.job } });
  }
  const config = options.config ?? (await loadConfig(options.load));
  const reporter = options.reporter ?? silentReporter;
  const now = options.now ?? Date.now;
  const signal = options.signal ? { signal: options.signal } : {};
  const workspace = options.workspace ?? (await openWorkspace(config, options.load?.env ? { env: options.load.env } : {}));
  const release = workspace.kind === 'local' ? await acquireWorkspaceLock(workspace.location, `mlops ${options.job}`) : async () => {};
  let stopHeartbeat: (() => Promise<void>) | undefined;
  try {
    const { tracking } = workspace;

    let job: JobConfig = config.jobs[options.job];
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
      job = { ...job, parameters: record.parameters };
      if (options.json !== undefined) job = applyJobOverrides(job, options.json);
      await preflight(options.job, { workspace, config, ...signal }, job.parameters);
      state = record.state;
      previous = record.stages;
      runId = options.resume;
      const reopened = await tracking.updateRun(runId, { status: 'RUNNING' }, signal);
      await tracking.logBatch(runId, { tags: ownerTags(now()) }, signal);
      experiment = await tracking.getExperiment(reopened.experimentId, signal);
    } else {
      if (options.json !== undefined) job = applyJobOverrides(job, options.json);
      await preflight(options.job, { workspace, config, ...signal }, job.parameters);
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
    const ctx: StageContext = { workspace, config, reporter, now, env: options.load?.env ?? process.env, parentRunId: runId, ...signal };
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
        const outcome = await STAGE_STEPS[stage](ctx, job.parameters, state);
        state = outcome.state;
        record = { name: stage, status: outcome.halt === 'rejected' ? 'rejected' : 'succeeded', duration_ms: Math.round(performance.now() - t0) };
        await options.hooks?.afterStage?.({ stage, ctx, state, record });
        if (outcome.halt === 'rejected') status = 'rejected';
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        record = { name: stage, status: 'failed', duration_ms: Math.round(performance.now() - t0), error: message };
        status = 'failed';
        failure = { stage, code: isMlopsError(error) ? error.code : 'INTERNAL', message, cause: error };
      }
      stages.push(record);
      if (record.status === 'succeeded') {
        await saveJobRecord(tracking, runId, { job: options.job, target: config.target, parameters: redactParameters(job.parameters), stages, state }, signal);
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
    await tracking.updateRun(runId, { status: status === 'failed' ? 'FAILED' : 'FINISHED', endTime: finishedAt });
    if (status === 'failed') {
      reporter.report({ type: 'log', message: `resume from the failed stage with: mlops run ${options.job} --resume ${runId}` });
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
    result.report = await reportRun(result, { workspace, dir: options.reportDir ?? defaultReportDir(workspace, options.load?.cwd), parameters: job.parameters, ...signal });
    reporter.report({ type: 'log', message: `run report: ${result.report.path}` });
    return result;
  } finally {
    await stopHeartbeat?.();
    await release();
  }
}

/** Checks that need no work done first, so that a job refused for them leaves no run behind (a configuration error, exit 2). */
async function preflight(job: JobName, ctx: OutputCheckContext, parameters: Record<string, string>): Promise<void> {
  if (JOB_STAGES[job].includes('score')) await checkScoreOutput(ctx, parameters);
}

/** Writes the HTML run report and logs it as an artifact of the job run (the MLflow UI shows it). */
async function reportRun(
  result: JobResult,
  options: { workspace: Workspace; dir: string; parameters: Record<string, string>; signal?: AbortSignal },
): Promise<{ path: string }> {
  const source = options.parameters.source_path;
  const written = await writeRunReport(result, options.workspace, { dir: options.dir, ...(source ? { source } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  await options.workspace.tracking.logArtifact(result.run_id, REPORT_ARTIFACT, await readFile(written.path), options.signal ? { signal: options.signal } : {});
  return written;
}

/** Reports stay beside the local workspace's data; with a remote workspace, under ./.mlops/reports. */
function defaultReportDir(workspace: Workspace, cwd: string | undefined): string {
  return workspace.kind === 'local' ? join(workspace.location, 'reports') : join(cwd ?? process.cwd(), '.mlops', 'reports');
}

export const REPORT_ARTIFACT = 'report/run_report.html';

/** Runs the reference's end-to-end `pipeline_job`: ingest → train → evaluate → approve → deploy → score. */
export function runPipeline(options: Omit<RunJobOptions, 'job'> = {}): Promise<JobResult> {
  return runJob({ ...options, job: 'pipeline_job' });
}
