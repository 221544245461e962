import { createHash } from 'node:crypto';
import { DECIMAL, INTEGER } from '../coerce.js';
import type { IngestColumn, IngestSchema } from '../schema.js';
import { INGESTED_AT_COLUMN, RESCUED_DATA_COLUMN, SOURCE_FILE_COLUMN } from '../output.js';
import type { FileFormat, OnExtraColumns } from '../params.js';
import { sparkInstant, sqlString as sqlLiteral } from '../../../model/sql/literals.js';

/**
 * The schema's checks compiled to Spark SQL (pure: text in, text out). Spark reads every declared
 * column of a file as STRING (PERMISSIVE, with the corrupt-record column), and the expressions here
 * apply the local coercion rules (coerce.ts) to that text: the same regular expressions for numbers,
 * the same ranges, NOT NULL and IN (…), and the same reason texts, so a landing file gives the same
 * good and quarantined rows on either engine.
 */

/** Where Spark puts a record it cannot parse (PERMISSIVE mode's columnNameOfCorruptRecord). */
export const CORRUPT_RECORD_COLUMN = '_corrupt_record';
/** The partition column of the ingested and quarantine tables: one value per attempt at one file. */
export const ATTEMPT_COLUMN = '_ingest_attempt';
/** Columns of the checked frame that are not written. */
export const REASON_COLUMN = '_reason';
export const RAW_COLUMN = '_raw';

// coerce.ts's own patterns (Java regular expressions accept them unchanged).
export const DECIMAL_PATTERN = DECIMAL.source;
export const INTEGER_PATTERN = INTEGER.source;

/** `name` as a Spark SQL identifier (back-quoted, back-quotes doubled). */
export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** A Spark SQL string literal (backslashes escaped, quotes doubled, as the default parser reads them). */
export function sqlString(value: string): string {
  return sqlLiteral(value, 'spark');
}

/** The DDL Spark reads a file with: every column as STRING, then the corrupt-record column. */
export function stringReadDdl(columns: readonly string[]): string {
  return [...columns, CORRUPT_RECORD_COLUMN].map((name) => `${quoteIdentifier(name)} STRING`).join(', ');
}

const SQL_TYPES: Record<IngestColumn['type'], string> = { double: 'DOUBLE', bigint: 'BIGINT', int: 'INT', string: 'STRING' };

/** CREATE TABLE for the ingested table: the schema's columns, the added ones, partitioned by attempt. */
export function ingestedTableDdl(table: string, schema: IngestSchema, provider: string): string {
  const columns = [
    ...schema.columns.map((column) => `${quoteIdentifier(column.name)} ${SQL_TYPES[column.type]}`),
    `${RESCUED_DATA_COLUMN} STRING`,
    `${SOURCE_FILE_COLUMN} STRING`,
    `${INGESTED_AT_COLUMN} TIMESTAMP`,
    `${ATTEMPT_COLUMN} STRING`,
  ];
  return `CREATE TABLE IF NOT EXISTS ${table} (${columns.join(', ')}) USING ${provider} PARTITIONED BY (${ATTEMPT_COLUMN})`;
}

/** The quarantine table's columns, as the local quarantine Parquet's (output.ts), plus the attempt. */
export const QUARANTINE_COLUMNS = ['raw_record', SOURCE_FILE_COLUMN, 'row_number', 'reason', INGESTED_AT_COLUMN] as const;

export function quarantineTableDdl(table: string, provider: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${table} (raw_record STRING, ${SOURCE_FILE_COLUMN} STRING, row_number BIGINT, reason STRING, ` +
    `${INGESTED_AT_COLUMN} TIMESTAMP, ${ATTEMPT_COLUMN} STRING) USING ${provider} PARTITIONED BY (${ATTEMPT_COLUMN})`
  );
}

/** The columns written to the ingested table, in its order (the attempt last, as its partition). */
export function ingestedColumns(schema: IngestSchema): string[] {
  return [...schema.columns.map((column) => column.name), RESCUED_DATA_COLUMN, SOURCE_FILE_COLUMN, INGESTED_AT_COLUMN];
}

export interface FileLayout {
  format: FileFormat;
  /** The file's columns as Spark reads them (CSV: the header's order; Parquet: the file's). */
  columns: readonly string[];
  /** Columns of the file outside the schema (rescued, or a reason with on_extra_columns=fail for JSON Lines). */
  extras: readonly string[];
  /** CSV: how many fields the header has (a record with another count is quarantined, as locally). */
  headerFields?: number;
  /** Whether the frame has the corrupt-record column (CSV, JSON Lines). */
  corruptColumn: boolean;
  onExtraColumns: OnExtraColumns;
  /** `_source_file` of every row (the same text as the local engine's: the file's URL). */
  sourceFile: string;
  ingestedAt: number;
}

/**
 * The select list that turns the read frame (every column STRING) into the checked one: the schema's
 * columns typed, `_rescued_data`, `_source_file`, `_ingested_at`, `_reason` (NULL for a good row) and
 * `_raw` (the record's text when Spark could not parse it, else its values as JSON).
 */
export function checkedSelect(schema: IngestSchema, layout: FileLayout): string[] {
  const present = new Set(layout.columns);
  const missingWord = layout.format === 'csv' ? 'is empty' : 'is null';
  const typed: string[] = [];
  const reasons: string[] = [];
  for (const column of schema.columns) {
    const value = present.has(column.name) ? quoteIdentifier(column.name) : 'CAST(NULL AS STRING)';
    const missing = column.type === 'string' ? `${value} IS NULL` : `(${value} IS NULL OR ${value} = '')`;
    const shown = `regexp_extract(to_json(array(${value})), '^\\\\[(.*)\\\\]$', 1)`;
    const say = (text: string) => `concat(${sqlString(`${column.name} `)}, ${shown}, ${sqlString(` ${text}`)})`;
    if (!column.nullable) reasons.push(`CASE WHEN ${missing} THEN ${sqlString(`${column.name} ${missingWord}`)} END`);
    switch (column.type) {
      case 'double':
        typed.push(`CASE WHEN ${missing} THEN NULL ELSE try_cast(${value} AS DOUBLE) END AS ${quoteIdentifier(column.name)}`);
        reasons.push(
          `CASE WHEN ${missing} THEN NULL WHEN NOT (${value} RLIKE ${sqlString(DECIMAL_PATTERN)}) THEN ${say('is not a number')} ` +
            `WHEN abs(try_cast(${value} AS DOUBLE)) = double('Infinity') THEN ${say('is out of the float64 range')} END`,
        );
        break;
      case 'bigint':
      case 'int': {
        const sqlType = SQL_TYPES[column.type];
        typed.push(`CASE WHEN ${missing} THEN NULL ELSE try_cast(${value} AS ${sqlType}) END AS ${quoteIdentifier(column.name)}`);
        reasons.push(
          `CASE WHEN ${missing} THEN NULL WHEN NOT (${value} RLIKE ${sqlString(INTEGER_PATTERN)}) THEN ${say('is not an integer')} ` +
            `WHEN try_cast(${value} AS ${sqlType}) IS NULL THEN ${say(`is out of the ${column.type === 'int' ? 32 : 64}-bit range`)} END`,
        );
        break;
      }
      case 'string':
        typed.push(`${value} AS ${quoteIdentifier(column.name)}`);
        if (column.allowed !== undefined) {
          reasons.push(
            `CASE WHEN ${missing} THEN NULL WHEN ${value} NOT IN (${column.allowed.map(sqlString).join(', ')}) THEN ${say(`is not one of ${column.allowed.join(', ')}`)} END`,
          );
        }
        break;
    }
  }

  // Extra columns: the non-empty ones as a JSON object (null when none), as the local _rescued_data.
  const extrasMap =
    layout.extras.length === 0
      ? undefined
      : `map_filter(map(${layout.extras.map((name) => `${sqlString(name)}, CAST(${quoteIdentifier(name)} AS STRING)`).join(', ')}), (k, v) -> v IS NOT NULL AND v <> '')`;
  const rescued = extrasMap === undefined ? 'CAST(NULL AS STRING)' : `nullif(to_json(${extrasMap}), '{}')`;
  if (extrasMap !== undefined && layout.onExtraColumns === 'fail' && layout.format === 'jsonl') {
    reasons.push(
      `CASE WHEN size(${extrasMap}) > 0 THEN concat('unexpected field', CASE WHEN size(${extrasMap}) > 1 THEN 's' ELSE '' END, ' ', ` +
        `array_join(map_keys(${extrasMap}), ', '), ' (on_extra_columns is fail)') END`,
    );
  }

  const checks = reasons.length === 0 ? 'CAST(NULL AS STRING)' : `nullif(concat_ws('; ', ${reasons.join(', ')}), '')`;
  const corrupt = quoteIdentifier(CORRUPT_RECORD_COLUMN);
  const reason = layout.corruptColumn ? `CASE WHEN ${corrupt} IS NOT NULL THEN ${corruptReason(layout)} ELSE ${checks} END` : checks;
  const valuesJson = `to_json(struct(${layout.columns.map(quoteIdentifier).join(', ')}))`;
  const raw = layout.corruptColumn ? `coalesce(${corrupt}, ${valuesJson})` : valuesJson;
  return [
    ...typed,
    `${rescued} AS ${RESCUED_DATA_COLUMN}`,
    `${sqlString(layout.sourceFile)} AS ${SOURCE_FILE_COLUMN}`,
    `${layout.columns.length > 0 ? sparkInstant(Math.trunc(layout.ingestedAt), quoteIdentifier(layout.columns[0]!)) : `timestamp_millis(${Math.trunc(layout.ingestedAt)})`} AS ${INGESTED_AT_COLUMN}`,
    `${reason} AS ${REASON_COLUMN}`,
    `${raw} AS ${RAW_COLUMN}`,
  ];
}

/**
 * Why Spark could not parse a record. CSV: the field count, counted outside quotes (the local
 * reason's text); JSON Lines: the line is not a JSON object.
 */
function corruptReason(layout: FileLayout): string {
  const corrupt = quoteIdentifier(CORRUPT_RECORD_COLUMN);
  if (layout.format === 'csv') {
    const fields = `size(split(regexp_replace(${corrupt}, '"[^"]*"', ''), ',', -1))`;
    return `concat('expected ${layout.headerFields ?? layout.columns.length} fields, found ', ${fields})`;
  }
  return `'not valid JSON: the line is not a JSON object'`;
}

/** The good rows' select list (the ingested table's order, the attempt as its partition value). */
export function goodRowsSelect(schema: IngestSchema, attempt: string): string[] {
  return [...ingestedColumns(schema).map(quoteIdentifier), `${sqlString(attempt)} AS ${ATTEMPT_COLUMN}`];
}

/** The quarantined rows' select list (the quarantine table's order). Spark gives no line numbers: row_number is null. */
export function quarantinedRowsSelect(attempt: string): string[] {
  return [
    `${RAW_COLUMN} AS raw_record`,
    SOURCE_FILE_COLUMN,
    'CAST(NULL AS BIGINT) AS row_number',
    `${REASON_COLUMN} AS reason`,
    INGESTED_AT_COLUMN,
    `${sqlString(attempt)} AS ${ATTEMPT_COLUMN}`,
  ];
}

/** One quarantine row for a file set aside whole (raw_record and row_number null, as locally). */
export function wholeFileQuarantineSql(table: string, sourceFile: string, reason: string, ingestedAt: number, attempt: string): string {
  return (
    `INSERT INTO ${table} PARTITION (${ATTEMPT_COLUMN} = ${sqlString(attempt)}) ` +
    `SELECT CAST(NULL AS STRING), ${sqlString(sourceFile)}, CAST(NULL AS BIGINT), ${sqlString(reason)}, timestamp_millis(${Math.trunc(ingestedAt)})`
  );
}

/** Removes one attempt's rows: a partition drop, or a DELETE on a Delta table (which has no partition DDL). */
export function dropAttemptSql(table: string, attempt: string, provider: string): string {
  return provider.toLowerCase() === 'delta'
    ? `DELETE FROM ${table} WHERE ${ATTEMPT_COLUMN} = ${sqlString(attempt)}`
    : `ALTER TABLE ${table} DROP IF EXISTS PARTITION (${ATTEMPT_COLUMN} = ${sqlString(attempt)})`;
}

/** How a committed or pending Spark output is named in the ledger: `spark-table:<table>/_ingest_attempt=<attempt>`. */
export const SPARK_OUTPUT_SCHEME = 'spark-table:';

export function sparkOutput(table: string, attempt: string): string {
  return `${SPARK_OUTPUT_SCHEME}${table}/${ATTEMPT_COLUMN}=${attempt}`;
}

/** The table and attempt of a ledger output named by sparkOutput; undefined for a volume path. */
export function parseSparkOutput(output: string): { table: string; attempt: string } | undefined {
  if (!output.startsWith(SPARK_OUTPUT_SCHEME)) return undefined;
  const rest = output.slice(SPARK_OUTPUT_SCHEME.length);
  const at = rest.lastIndexOf(`/${ATTEMPT_COLUMN}=`);
  if (at <= 0) return undefined;
  return { table: rest.slice(0, at), attempt: rest.slice(at + ATTEMPT_COLUMN.length + 2) };
}

/**
 * The operation tag on every write of an attempt: the attempt's name hashed (a tag may not hold a
 * comma, a file name may), so the ledger's stem gives it back.
 */
export function attemptTag(stem: string): string {
  return `mlops-ingest-${createHash('sha256').update(stem).digest('hex').slice(0, 32)}`;
}
