import { executeJob, type ExecuteJobOptions } from './pipeline/execute-job.js';
import type { JobResult } from './pipeline/result.js';
import { runReportConsumer } from './report/job-report.js';

export type { JobHooks, JobResultConsumer } from './pipeline/execute-job.js';

export interface RunJobOptions extends ExecuteJobOptions {
  /** Where the HTML run report goes (default: <local workspace>/reports); `false` writes none. */
  reportDir?: string | false;
}

/**
 * Runs one job (see executeJob) and hands its result to the run report, which writes the HTML page
 * and logs it to the job run; further `consumers` run after it.
 */
export function runJob(options: RunJobOptions): Promise<JobResult> {
  const { reportDir, consumers = [], ...rest } = options;
  const report = reportDir === false ? [] : [runReportConsumer({ ...(reportDir ? { dir: reportDir } : {}), ...(options.load?.cwd ? { cwd: options.load.cwd } : {}) })];
  return executeJob({ ...rest, consumers: [...report, ...consumers] });
}

/** Runs the reference's end-to-end `pipeline_job`: ingest → train → evaluate → approve → deploy → score. */
export function runPipeline(options: Omit<RunJobOptions, 'job'> = {}): Promise<JobResult> {
  return runJob({ ...options, job: 'pipeline_job' });
}
