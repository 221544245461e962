import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { tableToParquet } from '../../io/parquet.js';
import { openSource } from '../../sources/open.js';
import type { Source, SourceFile } from '../../sources/types.js';
import type { CallOptions } from '../../workspace/types.js';
import type { StageContext } from '../context.js';
import { emptyLedger, LEDGER_FILE_NAME, parseLedger, recordIngested, serializeLedger } from './ledger.js';
import type { IngestLedger, LedgerEntry } from './ledger.js';
import { buildIngestedTable, buildQuarantineTable, INGESTED_FOLDER, joinVolumePath, outputFileName, QUARANTINE_FOLDER } from './output.js';
import { parseFormat, planIngest } from './plan.js';
import type { PlannedFile } from './plan.js';
import { IRIS_SCHEMA } from './schema.js';
import type { IngestSchema } from './schema.js';
import { validateCsv } from './validate.js';
import type { ValidatedFile } from './validate.js';

/** The data_ingestion_job parameters, named as in the reference bundle. */
export interface IngestParams {
  /** A folder path (relative paths resolve against the config file's folder) or URL. */
  source_path: string;
  /** Volume path under which `ingested/` and `quarantine/` are written. */
  volume_path: string;
  /** Volume path of the folder holding the ingest ledger. */
  checkpoint_path: string;
  /** Landing file format; only csv for now. */
  format?: string;
}

export interface IngestResult {
  files_ingested: number;
  /** Files already ingested and unchanged since. */
  files_skipped: number;
  rows_written: number;
  rows_quarantined: number;
  /** Volume path of the folder holding all ingested Parquet: <volume_path>/ingested */
  output_path: string;
  /** <volume_path>/quarantine */
  quarantine_path: string;
  /** Source-relative paths of the files ingested by this run. */
  files: string[];
}

interface PreparedFile {
  planned: PlannedFile;
  validated: ValidatedFile;
  sha256: string;
}

/**
 * Ingests the new landing files into Parquet on a volume. Every new file is read and validated before
 * anything is written, so a file with a wrong header fails the run with nothing half-written. The
 * ledger is replaced only after all outputs are written: a failure in between re-ingests the same
 * files next time, and the content-hashed output names make that overwrite rather than duplicate.
 */
export async function runIngest(ctx: StageContext, params: IngestParams, schema: IngestSchema = IRIS_SCHEMA): Promise<IngestResult> {
  const sourcePath = requireParameter(params, 'source_path');
  const volumePath = requireParameter(params, 'volume_path');
  const checkpointPath = requireParameter(params, 'checkpoint_path');
  const format = parseFormat(params.format);
  const call: CallOptions = ctx.signal === undefined ? {} : { signal: ctx.signal };
  const volumes = ctx.workspace.volumes;
  const log = (message: string): void => ctx.reporter.report({ type: 'log', stage: 'ingest', message });

  const outputPath = joinVolumePath(volumePath, INGESTED_FOLDER);
  const quarantinePath = joinVolumePath(volumePath, QUARANTINE_FOLDER);
  const ledgerPath = joinVolumePath(checkpointPath, LEDGER_FILE_NAME);

  const source = await openSource(sourcePath, { baseDir: ctx.config.configDir });
  const ledger = await readLedger(ctx, ledgerPath, source.url, log);
  const listing: SourceFile[] = [];
  for await (const file of source.list(call)) listing.push(file);
  const plan = planIngest(ledger.files, listing, format);

  log(`${source.url}: ${listing.length} file(s) listed, ${plan.toIngest.length} to ingest, ${plan.unchanged.length} already ingested`);
  if (plan.ignored.length > 0) {
    log(`Ignoring ${plan.ignored.length} file(s) that are not .${format}: ${plan.ignored.map((file) => file.path).join(', ')}`);
  }
  for (const { file, previous } of plan.toIngest) {
    if (previous !== undefined) {
      log(
        `${file.path} changed since it was ingested (etag ${previous.etag} → ${file.etag}); ingesting it again as a new file ` +
          `(the rows from the earlier version stay in ${previous.output_file})`,
      );
    }
  }

  const prepared = await prepareAll(ctx, source, plan.toIngest, schema, call);

  // Even a run with nothing new leaves the output folder, so readers find an empty dataset, not a missing one.
  await volumes.mkdirs(outputPath, call);
  const ingestedAt = ctx.now();
  const entries: LedgerEntry[] = [];
  for (const [index, { planned, validated, sha256 }] of prepared.entries()) {
    throwIfAborted(ctx.signal);
    const name = outputFileName(planned.file.path, sha256);
    const outputFile = joinVolumePath(outputPath, name);
    await volumes.write(outputFile, tableToParquet(buildIngestedTable(schema, validated, ingestedAt)), { ...call, overwrite: true });
    let quarantineFile: string | null = null;
    if (validated.quarantined.length > 0) {
      quarantineFile = joinVolumePath(quarantinePath, name);
      await volumes.write(quarantineFile, tableToParquet(buildQuarantineTable(validated, ingestedAt)), { ...call, overwrite: true });
      log(`${planned.file.path}: ${validated.quarantined.length} row(s) quarantined to ${quarantineFile}`);
    }
    entries.push({
      source_path: planned.file.path,
      etag: planned.file.etag,
      size: planned.file.size,
      modified_at: planned.file.modifiedAt,
      sha256,
      output_file: outputFile,
      quarantine_file: quarantineFile,
      rows: validated.rows,
      rows_quarantined: validated.quarantined.length,
      ingested_at: ingestedAt,
    });
    ctx.reporter.report({ type: 'progress', stage: 'ingest', done: index + 1, total: prepared.length, unit: 'files' });
  }

  if (entries.length > 0) {
    throwIfAborted(ctx.signal);
    await volumes.write(ledgerPath, serializeLedger(recordIngested(ledger, entries, source.url)), { ...call, overwrite: true });
  }

  const result: IngestResult = {
    files_ingested: entries.length,
    files_skipped: plan.unchanged.length,
    rows_written: entries.reduce((sum, entry) => sum + entry.rows, 0),
    rows_quarantined: entries.reduce((sum, entry) => sum + entry.rows_quarantined, 0),
    output_path: outputPath,
    quarantine_path: quarantinePath,
    files: entries.map((entry) => entry.source_path),
  };
  log(`Ingested ${result.files_ingested} file(s): ${result.rows_written} row(s) written, ${result.rows_quarantined} quarantined, into ${outputPath}`);
  return result;
}

/** Reads and validates every planned file; the first wrong header aborts the run before any write. */
async function prepareAll(
  ctx: StageContext,
  source: Source,
  planned: readonly PlannedFile[],
  schema: IngestSchema,
  call: CallOptions,
): Promise<PreparedFile[]> {
  const prepared: PreparedFile[] = [];
  for (const item of planned) {
    throwIfAborted(ctx.signal);
    const bytes = await source.read(item.file, call);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const validated = validateCsv(schema, describeSourceFile(source, item.file), bytes);
    // validateCsv names the file in full for messages; the outputs and ledger use the source-relative path.
    prepared.push({ planned: item, validated: { ...validated, file: item.file.path }, sha256 });
  }
  return prepared;
}

async function readLedger(ctx: StageContext, ledgerPath: string, sourceUrl: string, log: (message: string) => void): Promise<IngestLedger> {
  const call: CallOptions = ctx.signal === undefined ? {} : { signal: ctx.signal };
  if (!(await ctx.workspace.volumes.exists(ledgerPath, call))) return emptyLedger(sourceUrl);
  const text = new TextDecoder().decode(await ctx.workspace.volumes.read(ledgerPath, call));
  const ledger = parseLedger(text, ledgerPath);
  if (ledger.source !== sourceUrl) {
    log(`The ledger ${ledgerPath} was written for source ${ledger.source}; now reading ${sourceUrl}. Files are matched by relative path.`);
  }
  return ledger;
}

function requireParameter(params: IngestParams, key: 'source_path' | 'volume_path' | 'checkpoint_path'): string {
  const value = params[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new MlopsError('INVALID_ARGUMENT', `Ingest parameter ${key} is required; found ${JSON.stringify(value)}`, {
      details: { parameter: key },
    });
  }
  return value.trim();
}

/** A plain path for local files (what the user typed), the URL otherwise. */
function describeSourceFile(source: Source, file: SourceFile): string {
  if (source.url.startsWith('file:')) return path.join(fileURLToPath(source.url), ...file.path.split('/'));
  return `${source.url.replace(/\/+$/, '')}/${file.path}`;
}
