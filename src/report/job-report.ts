import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobResultConsumer } from '../pipeline/execute-job.js';
import type { Workspace } from '../workspace/types.js';
import { writeRunReport } from './write.js';

export const REPORT_ARTIFACT = 'report/run_report.html';

/**
 * The HTML run report as a consumer of a job's result: writes <dir>/<run_id>.html and logs it to
 * the job run as report/run_report.html (the MLflow UI shows it). `dir` defaults to
 * <local workspace>/reports, or ./.mlops/reports beside `cwd` for a remote workspace.
 */
export function runReportConsumer(options: { dir?: string; cwd?: string } = {}): JobResultConsumer {
  return async ({ result, workspace, parameters, signal }) => {
    const dir = options.dir ?? defaultReportDir(workspace, options.cwd);
    const source = parameters.source_path;
    const written = await writeRunReport(result, workspace, { dir, ...(source ? { source } : {}), ...(signal ? { signal } : {}) });
    await workspace.tracking.logArtifact(result.run_id, REPORT_ARTIFACT, await readFile(written.path), signal ? { signal } : {});
    return { report: written };
  };
}

function defaultReportDir(workspace: Workspace, cwd: string | undefined): string {
  return workspace.kind === 'local' ? join(workspace.location, 'reports') : join(cwd ?? process.cwd(), '.mlops', 'reports');
}
