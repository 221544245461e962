import { createHash } from 'node:crypto';
import type * as arrow from 'apache-arrow';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { openParquetFile } from '../../io/parquet.js';
import type { ParquetSource } from '../../io/parquet.js';
import type { Source, SourceFile } from '../../sources/types.js';
import type { CallOptions, VolumeStore } from '../../workspace/types.js';
import { BadFileError } from './bad-file.js';
import { CsvRowDecoder } from './decode-csv.js';
import { JsonLinesRowDecoder } from './decode-jsonl.js';
import { ParquetRowDecoder } from './decode-parquet.js';
import type { RowDecoder } from './decoder.js';
import { joinVolumePath } from './output.js';
import { PartSeries, ROW_GROUP_ROWS } from './parts.js';
import { QuarantineBuffer, RowBuffer } from './rows.js';
import type { IngestSchema } from './schema.js';
import type { FileFormat, OnBadFile, OnExtraColumns } from './params.js';
import { hashSourceFile, spoolToDisk } from './spool.js';
import type { StepHook } from './steps.js';

/** Quarantined rows are written in parts of this many. */
const QUARANTINE_PART_ROWS = 100_000;
/** A file quarantined whole is copied beside the quarantine table up to this size (bigger ones are only recorded). */
export const WHOLE_FILE_COPY_LIMIT = 64 * 1024 * 1024;

export interface FileIngestContext {
  source: Source;
  volumes: VolumeStore;
  call: CallOptions;
  schema: IngestSchema;
  onBadFile: OnBadFile;
  onExtraColumns: OnExtraColumns;
  maxRowsPerFile: number;
  ingestedAt: number;
  /** Folders of this run's partition (…/ingest_date=YYYY-MM-DD). */
  outputFolder: string;
  quarantineFolder: string;
  /** Where copies of whole quarantined files go (…/quarantine/_files/ingest_date=…). */
  filesFolder: string;
  step: StepHook;
  log: (message: string) => void;
}

export interface FileOutcome {
  status: 'ingested' | 'quarantined';
  sha256: string;
  rows: number;
  rowsQuarantined: number;
  outputFiles: string[];
  quarantineFiles: string[];
  reason: string | null;
  bytesRead: number;
}

/**
 * Ingests one source file as one attempt whose every output name starts with `stem`: streams it,
 * decodes rows into parts of at most max_rows_per_file rows, quarantines bad rows, and on a file that
 * cannot be parsed at all removes what it wrote and quarantines the file whole (or fails, by setting).
 * Nothing here touches the ledger: the caller commits the outcome.
 */
export async function ingestFile(ctx: FileIngestContext, file: SourceFile, format: FileFormat, stem: string): Promise<FileOutcome> {
  const display = ctx.source.fileUrl(file);
  const afterPart = (path: string) => ctx.step('part-written', { file: file.path, path });
  const parts = new PartSeries(ctx.volumes, ctx.outputFolder, stem, ctx.call, afterPart);
  const quarantineParts = new PartSeries(ctx.volumes, ctx.quarantineFolder, stem, ctx.call, afterPart);
  // At least 8 bytes a row in any format: enough room for the whole file (up to a part) in one allocation.
  const rows = new RowBuffer(ctx.schema, ctx.maxRowsPerFile, Math.ceil(file.size / 8));
  const quarantine = new QuarantineBuffer();
  let rowCount = 0;
  let quarantinedCount = 0;
  const flushRows = async () => {
    if (rows.rows === 0) return;
    rowCount += rows.rows;
    await parts.write(rows.toRecordBatches(display, ctx.ingestedAt, ROW_GROUP_ROWS));
    rows.clear();
  };
  const flushQuarantine = async () => {
    if (quarantine.rows === 0) return;
    quarantinedCount += quarantine.rows;
    await quarantineParts.write([quarantine.toRecordBatch(display, ctx.ingestedAt)]);
    quarantine.clear();
  };

  let sha256: string;
  let bytesRead = 0;
  try {
    if (format === 'parquet') {
      ({ sha256, bytesRead } = await ingestParquet(ctx, file, display, rows, quarantine, flushRows, flushQuarantine));
    } else {
      const decoder: RowDecoder =
        format === 'csv'
          ? new CsvRowDecoder(ctx.schema, ctx.onExtraColumns, rows, quarantine, display)
          : new JsonLinesRowDecoder(ctx.schema, ctx.onExtraColumns, rows, quarantine, display);
      const hash = createHash('sha256');
      for await (const chunk of ctx.source.open(file, ctx.call)) {
        throwIfAborted(ctx.call.signal);
        hash.update(chunk);
        bytesRead += chunk.length;
        decoder.write(chunk);
        while (!decoder.drain()) await flushRows();
        if (quarantine.rows >= QUARANTINE_PART_ROWS) await flushQuarantine();
      }
      decoder.end();
      while (!decoder.drain()) await flushRows();
      decoder.finish();
      sha256 = hash.digest('hex');
    }
    await flushRows();
    await flushQuarantine();
  } catch (error) {
    // Whatever this attempt wrote goes: a file is ingested whole or not at all.
    await deleteQuietly(ctx.volumes, [...parts.files, ...quarantineParts.files], ctx.call);
    if (!(error instanceof BadFileError) || ctx.onBadFile === 'fail') throw error;
    return quarantineWholeFile(ctx, file, display, stem, error);
  }
  return {
    status: 'ingested',
    sha256,
    rows: rowCount,
    rowsQuarantined: quarantinedCount,
    outputFiles: parts.files,
    quarantineFiles: quarantineParts.files,
    reason: null,
    bytesRead,
  };
}

async function ingestParquet(
  ctx: FileIngestContext,
  file: SourceFile,
  display: string,
  rows: RowBuffer,
  quarantine: QuarantineBuffer,
  flushRows: () => Promise<void>,
  flushQuarantine: () => Promise<void>,
): Promise<{ sha256: string; bytesRead: number }> {
  // Parquet needs random access (its footer is at the end): read a local file in place, copy a remote one to disk.
  let localPath = ctx.source.localPath(file);
  let sha256: string;
  let remove = async () => {};
  if (localPath === undefined) {
    const spooled = await spoolToDisk(ctx.source, file, ctx.call);
    ({ path: localPath, sha256, remove } = spooled);
  } else {
    sha256 = await hashSourceFile(ctx.source, file, ctx.call);
  }
  let parquet: ParquetSource | undefined;
  try {
    try {
      parquet = await openParquetFile(localPath, { name: display });
    } catch (error) {
      throw asBadFile(error, display);
    }
    const decoder = new ParquetRowDecoder(ctx.schema, ctx.onExtraColumns, rows, quarantine, display, parquet.schema);
    const batches = parquet.batches({ batchSize: 65_536, ...(ctx.call.signal ? { signal: ctx.call.signal } : {}) });
    for (;;) {
      let next: IteratorResult<arrow.RecordBatch, void>;
      try {
        next = await batches.next();
      } catch (error) {
        throw asBadFile(error, display);
      }
      if (next.done === true) break;
      const batch = next.value;
      let from = 0;
      while ((from = decoder.decode(batch, from)) < batch.numRows) await flushRows();
      if (rows.full) await flushRows();
      if (quarantine.rows >= QUARANTINE_PART_ROWS) await flushQuarantine();
    }
    return { sha256, bytesRead: file.size };
  } finally {
    parquet?.close();
    await remove();
  }
}

function asBadFile(error: unknown, display: string): unknown {
  if (error instanceof MlopsError && error.code === 'CORRUPT') {
    return new BadFileError('CORRUPT', display, error.message.replaceAll(display, 'the file'));
  }
  return error;
}

/**
 * Sets a file that cannot be parsed aside whole: one quarantine row holding the reason (raw_record and
 * row_number null), plus a copy of the file under quarantine/_files when it is small enough.
 */
async function quarantineWholeFile(ctx: FileIngestContext, file: SourceFile, display: string, stem: string, bad: BadFileError): Promise<FileOutcome> {
  const name = file.path.slice(file.path.lastIndexOf('/') + 1);
  const copyPath = joinVolumePath(ctx.filesFolder, stem, name);
  const hash = createHash('sha256');
  const kept: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of ctx.source.open(file, ctx.call)) {
    hash.update(chunk);
    size += chunk.length;
    if (size <= WHOLE_FILE_COPY_LIMIT) kept.push(chunk);
  }
  const quarantineFiles: string[] = [];
  if (size <= WHOLE_FILE_COPY_LIMIT) {
    await ctx.volumes.write(copyPath, Buffer.concat(kept), { ...ctx.call, overwrite: true });
    quarantineFiles.push(copyPath);
    await ctx.step('part-written', { file: file.path, path: copyPath });
  } else {
    ctx.log(`${file.path} is ${size} bytes, over the ${WHOLE_FILE_COPY_LIMIT}-byte copy limit: it is recorded as quarantined but not copied`);
  }
  const quarantine = new QuarantineBuffer();
  quarantine.add(null, null, bad.reason);
  const parts = new PartSeries(ctx.volumes, ctx.quarantineFolder, stem, ctx.call, (path) => ctx.step('part-written', { file: file.path, path }));
  quarantineFiles.push(await parts.write([quarantine.toRecordBatch(display, ctx.ingestedAt)]));
  ctx.log(`${file.path}: quarantined whole: ${bad.reason}`);
  return {
    status: 'quarantined',
    sha256: hash.digest('hex'),
    rows: 0,
    rowsQuarantined: 0,
    outputFiles: [],
    quarantineFiles,
    reason: bad.reason,
    bytesRead: size,
  };
}

async function deleteQuietly(volumes: VolumeStore, paths: readonly string[], call: CallOptions): Promise<void> {
  for (const path of paths) {
    // Best effort: anything left is still found by the ledger's pending record on the next run.
    await volumes.delete(path, call).catch(() => undefined);
  }
}

