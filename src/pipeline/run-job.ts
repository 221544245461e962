import { randomUUID } from 'node:crypto';
import { applyJobOverrides, loadConfig, type LoadConfigOptions } from '../config/load.js';
import { JOB_NAMES, JOB_STAGES, type JobName, type ResolvedConfig, type StageName } from '../config/types.js';
import { MlopsError, isMlopsError, throwIfAborted } from '../errors.js';
import type { StageContext } from '../stages/context.js';
import { openWorkspace } from '../workspace/open.js';
import type { Workspace } from '../workspace/types.js';
import { silentReporter, type Reporter } from './reporter.js';
import { buildJobResult, type JobResult, type StageRecord } from './result.js';
import { STAGE_STEPS } from './stage-steps.js';
import type { PipelineState } from './state.js';

export interface RunJobOptions {
  job: JobName;
  /** An already resolved configuration; otherwise it is loaded with `load`. */
  config?: ResolvedConfig;
  /** How to find and resolve mlops.yml (path, target, --var values, environment). */
  load?: LoadConfigOptions;
  /** `--json` overrides of the job's parameters. */
  json?: string | Record<string, unknown>;
  /** Use this workspace instead of opening the one the target names. */
  workspace?: Workspace;
  reporter?: Reporter;
  now?: () => number;
  signal?: AbortSignal;
}

/**
 * Runs one job's stages in order. Configuration and usage problems throw (nothing ran); a failing
 * or rejected stage does not throw: the result says which stage stopped the run and why, so that
 * callers always get the stages' record.
 */
export async function runJob(options: RunJobOptions): Promise<JobResult> {
  if (!(JOB_NAMES as readonly string[]).includes(options.job)) {
    throw new MlopsError('USAGE', `Unknown job "${options.job}"; the jobs are ${JOB_NAMES.join(', ')}`, { details: { job: options.job } });
  }
  const config = options.config ?? (await loadConfig(options.load));
  const job = options.json === undefined ? config.jobs[options.job] : applyJobOverrides(config.jobs[options.job], options.json);
  const reporter = options.reporter ?? silentReporter;
  const now = options.now ?? Date.now;
  const workspace = options.workspace ?? (await openWorkspace(config, options.load?.env ? { env: options.load.env } : {}));
  const ctx: StageContext = { workspace, config, reporter, now, ...(options.signal ? { signal: options.signal } : {}) };

  const runId = randomUUID().replace(/-/g, '');
  const startedAt = now();
  const stages: StageRecord[] = [];
  let state: PipelineState = {};
  let status: JobResult['status'] = 'succeeded';
  let failure: { stage: StageName; error: unknown } | undefined;

  for (const stage of JOB_STAGES[options.job]) {
    if (status !== 'succeeded') {
      stages.push({ name: stage, status: 'skipped', duration_ms: 0 });
      reporter.report({ type: 'stage-end', stage, status: 'skipped', durationMs: 0 });
      continue;
    }
    reporter.report({ type: 'stage-start', stage });
    const t0 = performance.now();
    try {
      throwIfAborted(options.signal);
      const outcome = await STAGE_STEPS[stage](ctx, job.parameters, state);
      state = outcome.state;
      const durationMs = Math.round(performance.now() - t0);
      const stageStatus = outcome.halt === 'rejected' ? 'rejected' : 'succeeded';
      stages.push({ name: stage, status: stageStatus, duration_ms: durationMs });
      reporter.report({ type: 'stage-end', stage, status: stageStatus, durationMs });
      if (outcome.halt === 'rejected') status = 'rejected';
    } catch (error) {
      const durationMs = Math.round(performance.now() - t0);
      const message = error instanceof Error ? error.message : String(error);
      stages.push({ name: stage, status: 'failed', duration_ms: durationMs, error: message });
      reporter.report({ type: 'stage-end', stage, status: 'failed', durationMs, error: message });
      status = 'failed';
      failure = { stage, error };
    }
  }

  return buildJobResult({
    runId,
    job: options.job,
    config,
    workspace,
    state,
    stages,
    status,
    startedAt,
    finishedAt: now(),
    ...(failure ? { failure: { stage: failure.stage, code: isMlopsError(failure.error) ? failure.error.code : 'INTERNAL', message: errorMessage(failure.error), cause: failure.error } } : {}),
  });
}

/** Runs the reference's end-to-end `pipeline_job`: ingest → train → evaluate → approve → deploy → score. */
export function runPipeline(options: Omit<RunJobOptions, 'job'> = {}): Promise<JobResult> {
  return runJob({ ...options, job: 'pipeline_job' });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
