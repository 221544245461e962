import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../../errors.js';
import { openSource } from '../../sources/open.js';
import type { Source, SourceFile } from '../../sources/types.js';
import type { CallOptions, VolumeStore } from '../../workspace/types.js';
import type { StageContext } from '../context.js';
import { checkIngestPlaces } from './check-places.js';
import { acquireCheckpointLock } from './checkpoint-lock.js';
import { chooseSink, openLedger, recoverWith, runIngest } from './ingest.js';
import type { IngestOptions, IngestResult } from './ingest.js';
import { findEntry, forgetEntry, withoutLeftovers } from './ledger.js';
import { LedgerLog } from './ledger-log.js';
import { INGESTED_FOLDER, joinVolumePath, QUARANTINE_FOLDER } from './output.js';
import { planIngest } from './plan.js';
import { datasetDigest } from './record-run.js';
import { parseIngestSettings } from './params.js';
import type { IngestParams } from './params.js';

export interface IngestStatusFile {
  path: string;
  /** ingested / quarantined: in the ledger; new / changed: what the next run would read; missing: ingested but gone from the source. */
  status: 'ingested' | 'quarantined' | 'new' | 'changed' | 'missing' | 'ignored';
  rows: number;
  rows_quarantined: number;
  /** ISO time of the ingestion, for files in the ledger. */
  ingested_at: string | null;
  etag: string;
  reason: string | null;
}

export interface IngestStatus {
  source: string;
  ledger_path: string;
  output_path: string;
  quarantine_path: string;
  files: IngestStatusFile[];
  totals: { ingested: number; quarantined: number; new: number; changed: number; missing: number; rows: number; rows_quarantined: number };
  /** Files an interrupted run was writing; the next run removes what they left. */
  interrupted: string[];
  data_digest: string;
  /** Why the source could not be listed (the ledger part is still shown). */
  listing_error?: string;
}

/** What the ledger says, next to what the source holds now (what the next run would do). Writes nothing. */
export async function ingestStatus(ctx: StageContext, params: IngestParams, options: IngestOptions = {}): Promise<IngestStatus> {
  const settings = parseIngestSettings(params);
  const call: CallOptions = ctx.signal === undefined ? {} : { signal: ctx.signal };
  const ledgerPath = LedgerLog.locationOf(settings.checkpointPath);
  const source = await openSource(settings.sourcePath, { baseDir: ctx.config.configDir, env: options.env ?? ctx.env ?? process.env, ...(options.credential ? { credential: options.credential } : {}) });
  const { ledger } = await LedgerLog.open(ctx.workspace.volumes, settings.checkpointPath, source.url, { call, readOnly: true });
  const files: IngestStatusFile[] = ledger.files.map((entry) => ({
    path: entry.source_path,
    status: entry.status,
    rows: entry.rows,
    rows_quarantined: entry.rows_quarantined,
    ingested_at: new Date(entry.ingested_at).toISOString(),
    etag: entry.etag,
    reason: entry.reason,
  }));
  let listingError: string | undefined;
  try {
    const listing: SourceFile[] = [];
    for await (const file of source.list(call)) listing.push(file);
    const plan = planIngest(ledger.files, listing, { format: settings.format, onChange: 'reingest' });
    const byPath = new Map(files.map((file) => [file.path, file]));
    for (const planned of plan.toIngest) {
      if (planned.reason === 'changed') byPath.get(planned.file.path)!.status = 'changed';
      else files.push({ path: planned.file.path, status: 'new', rows: 0, rows_quarantined: 0, ingested_at: null, etag: planned.file.etag, reason: null });
    }
    for (const entry of plan.missing) byPath.get(entry.source_path)!.status = 'missing';
    for (const file of plan.ignored.filter((ignored) => !byPath.has(ignored.path))) files.push({ path: file.path, status: 'ignored', rows: 0, rows_quarantined: 0, ingested_at: null, etag: file.etag, reason: 'format not known from the extension' });
  } catch (error) {
    if (!(error instanceof MlopsError)) throw error;
    listingError = error.message;
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const count = (status: IngestStatusFile['status']) => files.filter((file) => file.status === status).length;
  return {
    source: source.url,
    ledger_path: ledgerPath,
    output_path: joinVolumePath(settings.volumePath, INGESTED_FOLDER),
    quarantine_path: joinVolumePath(settings.volumePath, QUARANTINE_FOLDER),
    files,
    totals: {
      ingested: ledger.files.filter((entry) => entry.status === 'ingested').length,
      quarantined: ledger.files.filter((entry) => entry.status === 'quarantined').length,
      new: count('new'),
      changed: count('changed'),
      missing: count('missing'),
      rows: ledger.files.reduce((sum, entry) => sum + entry.rows, 0),
      rows_quarantined: ledger.files.reduce((sum, entry) => sum + entry.rows_quarantined, 0),
    },
    interrupted: ledger.pending.map((attempt) => attempt.source_path),
    data_digest: datasetDigest(ledger.files),
    ...(listingError === undefined ? {} : { listing_error: listingError }),
  };
}

export interface ForgetResult {
  forgotten: { path: string; rows: number; rows_quarantined: number; files_deleted: number }[];
}

/**
 * Forgets files: their ledger entries go and their rows leave the dataset (their output and quarantine
 * files are deleted), so the next run ingests them again if they are still in the source. The ledger is
 * committed before the deletes, so a crash in between leaves files the next run deletes.
 */
export async function forgetIngested(ctx: StageContext, params: IngestParams, files: readonly string[], options: IngestOptions = {}): Promise<ForgetResult> {
  const settings = parseIngestSettings(params);
  const call: CallOptions = ctx.signal === undefined ? {} : { signal: ctx.signal };
  const volumes = ctx.workspace.volumes;
  const source = await openSource(settings.sourcePath, { baseDir: ctx.config.configDir, env: options.env ?? ctx.env ?? process.env, ...(options.credential ? { credential: options.credential } : {}) });
  const log = (message: string): void => ctx.reporter.report({ type: 'log', stage: 'ingest', message });
  const release = await acquireCheckpointLock(volumes, settings.checkpointPath, `forget in ${source.url}`, ctx.now, call);
  try {
    const ledgerLog = await openLedger(volumes, settings.checkpointPath, source.url, log, { call });
    const ledgerPath = ledgerLog.location;
    // Outputs written through Spark (ingested_table) are removed through the target's Spark engine.
    const sink = await chooseSink(ctx, settings, { source, volumes, settings, call, step: () => undefined, log });
    let ledger = await recoverWith(sink, ledgerLog, ledgerLog.ledger, log);
    const paths = files.map((file) => toSourcePath(source, file));
    const unknown = paths.filter((file) => findEntry(ledger, file) === undefined);
    if (unknown.length > 0) {
      throw new MlopsError('NOT_FOUND', `Not in the ingest ledger ${ledgerPath}: ${unknown.join(', ')} (mlops ingest status lists the files it knows)`, {
        details: { files: unknown },
      });
    }
    const forgotten = paths.map((file) => {
      const entry = findEntry(ledger, file)!;
      return { path: file, rows: entry.rows, rows_quarantined: entry.rows_quarantined, files_deleted: entry.output_files.length + entry.quarantine_files.length };
    });
    for (const file of paths) ledger = forgetEntry(ledger, file);
    await ledgerLog.commit(ledger);
    const obsolete = ledger.obsolete;
    await sink.deleteOutputs(obsolete);
    await ledgerLog.commit(withoutLeftovers(ledger, [], obsolete));
    await ledgerLog.compact();
    for (const file of forgotten) log(`Forgot ${file.path}: ${file.rows} row(s) and ${file.rows_quarantined} quarantined row(s) removed; the next run ingests it again if it is still in the source`);
    return { forgotten };
  } finally {
    await release();
  }
}

/**
 * Reads files again and replaces their rows (one MLflow run), whether or not they changed. First the
 * same check of volume_path and checkpoint_path as data_ingestion_job (check-places.ts): a place it
 * must not write to is a CONFIG_INVALID error before anything is read, locked or recorded.
 */
export async function replayIngested(ctx: StageContext, params: IngestParams, files: readonly string[], options: IngestOptions = {}): Promise<IngestResult> {
  const settings = parseIngestSettings(params);
  await checkIngestPlaces(ctx, params as unknown as Record<string, string>);
  const source = await openSource(settings.sourcePath, { baseDir: ctx.config.configDir, env: options.env ?? ctx.env ?? process.env, ...(options.credential ? { credential: options.credential } : {}) });
  return runIngest(ctx, params, { ...options, only: files.map((file) => toSourcePath(source, file)) });
}

/** A file named as the ledger names it (relative to the source), its URL, or for a folder its path on disk. */
export function toSourcePath(source: Source, file: string): string {
  const trimmed = file.trim();
  if (trimmed.startsWith(`${source.url}/`)) return decodeIfFileUrl(source, trimmed.slice(source.url.length + 1));
  if (source.url.startsWith('file:') && path.isAbsolute(trimmed)) {
    const relative = path.relative(fileURLToPath(source.url), trimmed);
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) return relative.split(path.sep).join('/');
  }
  return trimmed.replace(/^\.\//, '');
}

function decodeIfFileUrl(source: Source, relative: string): string {
  return source.url.startsWith('file:') ? decodeURIComponent(relative) : relative;
}
