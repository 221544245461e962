import { randomUUID } from 'node:crypto';
import { MlopsError } from '../../../errors.js';
import type { SparkEngine } from '../../../engine/spark-engine.js';
import type { SourceFile } from '../../../sources/types.js';
import type { DataFrame } from '../../../spark/dataframe.js';
import { SparkConnectError } from '../../../spark/errors.js';
import type { SparkSession } from '../../../spark/session.js';
import type { CallOptions } from '../../../workspace/types.js';
import { BadFileError } from '../bad-file.js';
import type { FileOutcome } from '../ingest-file.js';
import type { PendingAttempt } from '../ledger.js';
import type { FileFormat } from '../params.js';
import { matchColumns } from '../schema.js';
import { deleteVolumeAttempt, deleteVolumeOutputs } from '../sink.js';
import type { IngestSink, SinkContext } from '../sink.js';
import {
  ATTEMPT_COLUMN,
  attemptTag,
  checkedSelect,
  CORRUPT_RECORD_COLUMN,
  dropAttemptSql,
  goodRowsSelect,
  ingestedColumns,
  ingestedTableDdl,
  parseSparkOutput,
  quarantinedRowsSelect,
  quarantineTableDdl,
  quoteIdentifier,
  REASON_COLUMN,
  sparkOutput,
  SPARK_OUTPUT_SCHEME,
  sqlString,
  stringReadDdl,
  wholeFileQuarantineSql,
} from './compile.js';
import type { FileLayout } from './compile.js';
import { sparkReadPath } from './spark-path.js';

/** The quarantine table of an ingested table. */
export function quarantineTableOf(table: string): string {
  return `${table}_quarantine`;
}

const PERMISSIVE = { mode: 'PERMISSIVE', columnNameOfCorruptRecord: CORRUPT_RECORD_COLUMN };
const CSV_OPTIONS = { header: 'true', multiLine: 'true', ignoreLeadingWhiteSpace: 'true', ignoreTrailingWhiteSpace: 'true' };

/**
 * Ingest on Spark: Spark reads each new file itself and appends its good rows to ingested_table and
 * its bad rows to <ingested_table>_quarantine; no row passes through this process. Both tables are
 * partitioned by _ingest_attempt, one value per attempt at one file, so an attempt the ledger never
 * committed (the process died) is removed whole by dropping its partition (see docs/spark-ingest.md).
 */
export class SparkSink implements IngestSink {
  readonly outputPath: string;
  readonly quarantinePath: string;
  readonly #ctx: SinkContext;
  readonly #engine: SparkEngine;
  readonly #providers = new Map<string, string>();
  /** The session prepare() wrote with: recorded in each pending attempt (attemptWriter). */
  #writer: { sessionId: string; userId: string } | undefined;

  constructor(ctx: SinkContext, engine: SparkEngine) {
    this.#ctx = ctx;
    this.#engine = engine;
    this.outputPath = ctx.settings.ingestedTable;
    this.quarantinePath = quarantineTableOf(ctx.settings.ingestedTable);
  }

  #session(): Promise<SparkSession> {
    return this.#engine.session(this.#ctx.call);
  }

  /** Runs SQL; `tag` marks a write of an attempt (attemptTag), so a rerun can interrupt it. */
  async #sql(query: string, tag?: string): Promise<DataFrame> {
    const spark = await this.#session();
    return spark.sql(query, undefined, tag === undefined ? this.#ctx.call : { ...this.#ctx.call, tags: [tag] });
  }

  /** Creates the two tables if absent; an existing table must have the columns ingestion writes. */
  async prepare(): Promise<void> {
    const spark = await this.#session();
    this.#writer = { sessionId: spark.sessionId, userId: spark.client.userContext.userId };
    const call = this.#ctx.call;
    const provider = (await spark.conf.get('spark.sql.sources.default', 'parquet', call)) ?? 'parquet';
    const table = this.#engine.tableName(this.outputPath);
    const quarantine = this.#engine.tableName(this.quarantinePath);
    const namespace = table.split('.').slice(0, -1).join('.');
    if (!(await spark.catalog.databaseExists(namespace, call))) await this.#sql(`CREATE SCHEMA IF NOT EXISTS ${namespace}`);
    await this.#sql(ingestedTableDdl(table, this.#ctx.settings.schema, provider));
    await this.#sql(quarantineTableDdl(quarantine, provider));
    await this.#checkColumns(table, [...ingestedColumns(this.#ctx.settings.schema), ATTEMPT_COLUMN]);
    await this.#checkColumns(quarantine, ['raw_record', '_source_file', 'row_number', 'reason', '_ingested_at', ATTEMPT_COLUMN]);
  }

  async #checkColumns(table: string, expected: readonly string[]): Promise<void> {
    const spark = await this.#session();
    const found = await spark.table(table).columns(this.#ctx.call);
    const missing = expected.filter((name) => !found.includes(name));
    if (missing.length > 0) {
      throw new MlopsError(
        'SCHEMA_MISMATCH',
        `Table ${table} lacks ${missing.join(', ')}: ingestion appends ${expected.join(', ')} (partitioned by ${ATTEMPT_COLUMN}); found ${found.join(', ')}. Drop it or name another ingested_table.`,
        { details: { table, missing, found } },
      );
    }
  }

  attemptPrefixes(stem: string): PendingAttempt['prefixes'] {
    return [
      { folder: `${SPARK_OUTPUT_SCHEME}${this.outputPath}`, name_prefix: stem },
      { folder: `${SPARK_OUTPUT_SCHEME}${this.quarantinePath}`, name_prefix: stem },
    ];
  }

  attemptWriter(stem: string): PendingAttempt['spark'] {
    if (this.#writer === undefined) throw new MlopsError('INTERNAL', 'SparkSink.attemptWriter before prepare()', {});
    return { session_id: this.#writer.sessionId, user_id: this.#writer.userId, operation_tag: attemptTag(stem) };
  }

  async ingest(file: SourceFile, format: FileFormat, stem: string, ingestedAt: number): Promise<FileOutcome> {
    const { source, settings, step, log, call } = this.#ctx;
    const spark = await this.#session();
    const display = source.fileUrl(file);
    const path = sparkReadPath(display, source.localPath(file));
    const table = this.#engine.tableName(this.outputPath);
    const quarantine = this.#engine.tableName(this.quarantinePath);
    const outputs = { outputFiles: [sparkOutput(this.outputPath, stem)], quarantineFiles: [sparkOutput(this.quarantinePath, stem)] };
    const tag = attemptTag(stem);

    // Spark hashes the bytes where it reads them (the same sha256 as the local engine records); this also
    // proves that the server sees the file at this path.
    let digest: { sha256: string; size: number };
    try {
      const [row] = await spark.read.format('binaryFile').load(path).selectExpr('sha2(content, 256) AS sha256', 'length').collect(call);
      if (row === undefined) throw new Error('no such file');
      digest = { sha256: String(row.sha256), size: Number(row.length) };
    } catch (error) {
      if (error instanceof SparkConnectError || (error instanceof Error && error.message === 'no such file')) {
        throw new MlopsError('NOT_FOUND', `The Spark server at ${this.#engine.remote} cannot read ${path} (${firstLine(error)}): the landing files must be visible to Spark at the same path (see docs/spark-ingest.md)`, {
          details: { file: display, path },
          cause: error,
        });
      }
      throw error;
    }

    let view: string | undefined;
    try {
      let checked: DataFrame;
      try {
        checked = await this.#read(spark, path, format, display, ingestedAt);
      } catch (error) {
        // Spark could not even make columns of the file (not Parquet, a footer it cannot read): its bytes
        // were readable a moment ago (the hash), so this is the content, not the connection or the path.
        if (error instanceof SparkConnectError && error.code !== 'ABORTED' && error.grpcCodeName !== 'Unavailable') {
          throw new BadFileError('CORRUPT', display, `Spark cannot read it as ${format === 'jsonl' ? 'JSON Lines' : format.toUpperCase()}: ${await readerComplaint(error, path, call)}`);
        }
        throw error;
      }
      view = `mlops_ingest_${randomUUID().replaceAll('-', '')}`;
      await checked.createOrReplaceTempView(view, call);
      const good = goodRowsSelect(settings.schema, stem).slice(0, -1).join(', ');
      await this.#sql(`INSERT INTO ${table} PARTITION (${ATTEMPT_COLUMN} = ${sqlString(stem)}) SELECT ${good} FROM ${view} WHERE ${REASON_COLUMN} IS NULL`, tag);
      await step('part-written', { file: file.path, path: outputs.outputFiles[0]! });
      const bad = quarantinedRowsSelect(stem).slice(0, -1).join(', ');
      await this.#sql(`INSERT INTO ${quarantine} PARTITION (${ATTEMPT_COLUMN} = ${sqlString(stem)}) SELECT ${bad} FROM ${view} WHERE ${REASON_COLUMN} IS NOT NULL`, tag);
      await step('part-written', { file: file.path, path: outputs.quarantineFiles[0]! });
    } catch (error) {
      const bad = asBadFile(error, display, path);
      if (bad === undefined) throw error;
      // Whatever this attempt wrote goes: a file is ingested whole or not at all.
      await this.#dropAttempt(this.outputPath, stem);
      await this.#dropAttempt(this.quarantinePath, stem);
      if (settings.onBadFile === 'fail') throw bad;
      await this.#sql(wholeFileQuarantineSql(quarantine, display, bad.reason, ingestedAt, stem), tag);
      await step('part-written', { file: file.path, path: outputs.quarantineFiles[0]! });
      log(`${file.path}: quarantined whole: ${bad.reason}`);
      return { status: 'quarantined', sha256: digest.sha256, rows: 0, rowsQuarantined: 0, ...outputs, reason: bad.reason, bytesRead: digest.size };
    } finally {
      if (view !== undefined) await spark.catalog.dropTempView(view, call).catch(() => undefined);
    }
    const counted = `SELECT (SELECT count(*) FROM ${table} WHERE ${ATTEMPT_COLUMN} = ${sqlString(stem)}) AS rows, (SELECT count(*) FROM ${quarantine} WHERE ${ATTEMPT_COLUMN} = ${sqlString(stem)}) AS quarantined`;
    const [count] = await (await this.#sql(counted)).collect(call);
    const rows = Number(count?.rows ?? 0);
    const rowsQuarantined = Number(count?.quarantined ?? 0);
    return { status: 'ingested', sha256: digest.sha256, rows, rowsQuarantined, ...outputs, reason: null, bytesRead: digest.size };
  }

  /** The frame of checked rows for one file (see compile.ts); a file Spark cannot make columns of is a BadFileError. */
  async #read(spark: SparkSession, path: string, format: FileFormat, display: string, ingestedAt: number): Promise<DataFrame> {
    const { settings, call } = this.#ctx;
    const schema = settings.schema;
    const base = { format, onExtraColumns: settings.onExtraColumns, sourceFile: display, ingestedAt };
    let layout: FileLayout;
    let frame: DataFrame;
    if (format === 'csv') {
      const header = (await spark.read.format('csv').options(CSV_OPTIONS).load(path).columns(call)).map((name) => name.trim());
      if (header.length === 0) throw new BadFileError('SCHEMA_MISMATCH', display, 'the file is empty: there is no header line');
      const match = matchColumns(schema, header, settings.onExtraColumns);
      if (typeof match === 'string') throw new BadFileError('SCHEMA_MISMATCH', display, `the header ${match}`, { found: header });
      layout = { ...base, columns: header, extras: match.extras.map((extra) => extra.name), headerFields: header.length, corruptColumn: true };
      frame = spark.read.format('csv').schema(stringReadDdl(header)).options({ ...CSV_OPTIONS, ...PERMISSIVE, enforceSchema: 'true' }).load(path);
    } else if (format === 'jsonl') {
      // Schema inference (a pass over the file, in Spark) finds the keys outside the schema, to rescue them.
      const inferred = await spark.read.format('json').options(PERMISSIVE).load(path).columns(call);
      const names = schema.columns.map((column) => column.name);
      const extras = inferred.filter((name) => name !== CORRUPT_RECORD_COLUMN && !names.includes(name));
      const columns = [...names, ...extras];
      layout = { ...base, columns, extras, corruptColumn: true };
      frame = spark.read.format('json').schema(stringReadDdl(columns)).options(PERMISSIVE).load(path);
    } else {
      const found = await spark.read.format('parquet').load(path).columns(call);
      const match = matchColumns(schema, found, settings.onExtraColumns);
      if (typeof match === 'string') throw new BadFileError('SCHEMA_MISMATCH', display, `the Parquet schema ${match}`, { found });
      layout = { ...base, columns: found, extras: match.extras.map((extra) => extra.name), corruptColumn: false };
      frame = spark.read.format('parquet').load(path).selectExpr(...found.map((name) => `CAST(${quoteIdentifier(name)} AS STRING) AS ${quoteIdentifier(name)}`));
    }
    return frame.selectExpr(...checkedSelect(schema, layout));
  }

  /** Removes an attempt's rows from a table (by its name as the ledger records it); false when the table is absent. */
  async #dropAttempt(ledgerTable: string, attempt: string): Promise<boolean> {
    const spark = await this.#session();
    const table = this.#engine.tableName(ledgerTable);
    if (!(await spark.catalog.tableExists(table, undefined, this.#ctx.call))) return false;
    await this.#sql(dropAttemptSql(table, attempt, await this.#provider(table)));
    return true;
  }

  async #provider(table: string): Promise<string> {
    let provider = this.#providers.get(table);
    if (provider === undefined) {
      const rows = await (await this.#sql(`DESCRIBE TABLE EXTENDED ${table}`)).collect(this.#ctx.call);
      provider = String(rows.find((row) => String(row.col_name).trim() === 'Provider')?.data_type ?? 'parquet').trim();
      this.#providers.set(table, provider);
    }
    return provider;
  }

  async deleteAttempt(attempt: PendingAttempt): Promise<number> {
    // Spark runs a command to its end even when the client that sent it died: first make sure none of
    // the attempt's writes still runs, or it could land after its partition is dropped.
    if (attempt.spark !== undefined) {
      const { session_id: sessionId, user_id: userId, operation_tag: tag } = attempt.spark;
      const stopped = await this.#engine.stopTagged({ sessionId, userId, tag }, this.#ctx.call);
      if (stopped > 0) this.#ctx.log(`${attempt.source_path}: interrupted ${stopped} write(s) Spark was still running for an interrupted run, and waited for them to end`);
    }
    let removed = 0;
    for (const prefix of attempt.prefixes) {
      if (prefix.folder.startsWith(SPARK_OUTPUT_SCHEME)) {
        if (await this.#dropAttempt(prefix.folder.slice(SPARK_OUTPUT_SCHEME.length), prefix.name_prefix)) removed++;
      } else {
        removed += await deleteVolumeAttempt(this.#ctx.volumes, { ...attempt, prefixes: [prefix] }, this.#ctx.call);
      }
    }
    return removed;
  }

  async deleteOutputs(paths: readonly string[]): Promise<number> {
    let removed = 0;
    for (const path of paths) {
      const output = parseSparkOutput(path);
      if (output === undefined) removed += await deleteVolumeOutputs(this.#ctx.volumes, [path], this.#ctx.call);
      else if (await this.#dropAttempt(output.table, output.attempt)) removed++;
    }
    return removed;
  }
}

/**
 * A failure that makes the file bad rather than the run: Spark refused the file's content (a Parquet
 * file that is not one, a footer or page it cannot read). Connection, permission and table failures
 * and aborts stay run failures.
 */
function asBadFile(error: unknown, display: string, path: string): BadFileError | undefined {
  if (error instanceof BadFileError) return error;
  if (error instanceof SparkConnectError && isContentError(error)) {
    return new BadFileError('CORRUPT', display, `Spark cannot read it: ${firstLine(error).replaceAll(path, 'the file')}`);
  }
  return undefined;
}

/** Spark's errors about a file's bytes (its error classes, or the Parquet reader's own words). */
function isContentError(error: SparkConnectError): boolean {
  if (error.code === 'ABORTED' || error.grpcCodeName === 'Unavailable') return false;
  const text = `${error.errorClass ?? ''} ${error.message}`;
  return /FAILED_READ_FILE|CANNOT_READ_FILE_FOOTER|CANNOT_READ|not a Parquet file|is not a parquet file|Malformed|CORRUPTED|UNABLE_TO_INFER_SCHEMA/i.test(text);
}

/**
 * What the file reader said (the innermost cause the server keeps, asked for with FetchErrorDetails),
 * without Spark's job and stage preamble or the server's paths.
 */
async function readerComplaint(error: SparkConnectError, path: string, call: CallOptions): Promise<string> {
  const local = path.replace(/^file:\/\//, '');
  const messages = [error.message];
  try {
    const details = await error.fetchDetails(call);
    // The innermost cause first: it names what the reader found.
    for (const cause of details.errors) messages.unshift(cause.message);
  } catch {
    // No details (no errorId, or the server forgot them): the message is all there is.
  }
  const pattern = /([^:\n]*(?:is not a Parquet file|Malformed|Could not read footer|CORRUPT)[^\n]*)/i;
  const said = messages.map((message) => pattern.exec(message)?.[1]).find((found) => found !== undefined);
  const text = said ?? error.errorClass ?? firstLine(error);
  return text.replaceAll(path, 'the file').replaceAll(`file:${local}`, 'the file').replaceAll(local, 'the file').trim().slice(0, 300);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 500);
}
