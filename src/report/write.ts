import path from 'node:path';
import { MlopsError } from '../errors.js';
import { redactSecrets, redactUrl } from '../redact.js';
import { writeLocalFileAtomic } from '../io/atomic-file.js';
import type { JobResult } from '../pipeline/result.js';
import type { Workspace } from '../workspace/types.js';
import { collectRunReportData } from './collect.js';
import { renderRunReport } from './render.js';

export interface WriteRunReportOptions {
  /** The local folder the report goes into, as <dir>/<run_id>.html; created if missing. */
  dir: string;
  /** Milliseconds since the epoch; stamps the report. Default Date.now. */
  now?: () => number;
  /** The landing folder or URL the run ingested from, for the lineage. */
  source?: string;
  signal?: AbortSignal;
}

/** Writes the run's HTML report atomically (readers never see half a page) and returns its path. */
export async function writeRunReport(result: JobResult, workspace: Workspace, options: WriteRunReportOptions): Promise<{ path: string }> {
  // The run id becomes a file name: refuse anything that could climb out of `dir`.
  if (!/^[A-Za-z0-9_-]+$/.test(result.run_id)) {
    throw new MlopsError('INVALID_ARGUMENT', `Run id "${result.run_id}" cannot name a report file: expected letters, digits, '-' or '_' only`, {
      details: { run_id: result.run_id },
    });
  }
  const data = await collectRunReportData(result, workspace, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.now ? { now: options.now } : {}),
    // The source may be a URL with a SAS token: the report shows it without its query string.
    ...(options.source ? { source: redactUrl(options.source) } : {}),
  });
  const file = path.resolve(options.dir, `${result.run_id}.html`);
  // Everything the page shows passes the redactor once more: it is also logged as an MLflow artifact.
  await writeLocalFileAtomic(file, redactSecrets(renderRunReport(data)), options.signal ? { signal: options.signal } : {});
  return { path: file };
}
