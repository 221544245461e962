import { MlopsError } from '../../errors.js';

/**
 * SQL text that Spark SQL (Databricks) and DuckDB read the same way.
 *
 * Numbers are written with an exponent (`5E-1`, not `0.5`): both engines type such a literal as
 * DOUBLE, whereas a plain `0.5` is a DECIMAL in both, and DECIMAL arithmetic in Spark can round or
 * (in ANSI mode) fail on overflow. Every weight is a float32 that a double holds exactly, and
 * JavaScript prints the shortest text that reads back to the same double.
 */
export function sqlDouble(value: number): string {
  if (!Number.isFinite(value)) {
    throw new MlopsError('INVALID_ARGUMENT', `Cannot write ${value} as a SQL literal: model weights and normalisation must be finite`);
  }
  const text = Object.is(value, -0) ? '0' : String(value).toUpperCase();
  const withExponent = text.includes('E') ? text : `${text}E0`;
  return value < 0 ? `(${withExponent})` : withExponent;
}

export type SqlDialect = 'spark' | 'duckdb';

/**
 * A string literal: single quotes, embedded quotes doubled (standard SQL, read alike by both).
 * Backslashes are where the engines differ: Spark's parser (by default, and on Databricks) reads
 * `\` as an escape (`'a\b'` is "a" and a backspace), DuckDB reads it as itself; so for Spark
 * each backslash is written twice.
 */
export function sqlString(value: string, dialect: SqlDialect): string {
  const escaped = dialect === 'spark' ? value.replaceAll('\\', '\\\\') : value;
  return `'${escaped.replaceAll("'", "''")}'`;
}

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A column name. Plain names (letters, digits, underscores) are written bare, the same in both
 * engines. Others must be quoted, and the engines disagree on how: Spark uses backticks, DuckDB
 * double quotes — so only then does the dialect matter.
 */
export function sqlIdentifier(name: string, dialect: SqlDialect): string {
  if (PLAIN_IDENTIFIER.test(name)) return name;
  return dialect === 'spark' ? `\`${name.replaceAll('`', '``')}\`` : `"${name.replaceAll('"', '""')}"`;
}

export function isPlainIdentifier(name: string): boolean {
  return PLAIN_IDENTIFIER.test(name);
}

/**
 * An instant (milliseconds since the epoch) as a Spark SQL TIMESTAMP that Spark keeps out of the
 * code it generates for a projection, so that every run of the same projection (scoring's
 * scored_at, ingestion's _ingested_at) runs the same generated class, whatever the session's time
 * zone. `anyColumn` is any column of the projection's input.
 *
 * Spark writes a TIMESTAMP (or BIGINT) literal into the Java it generates for a stage, as a
 * constant; any constant expression is folded into such a literal first. A plain
 * `TIMESTAMP_MILLIS(<ms>)` therefore makes each run's projection new Java: Spark compiles it again
 * and the JVM runs its methods unoptimised while it compiles them anew — measured on local[2], 1M
 * rows scored: 13.4–13.9 s of task CPU against 7.8–8.9 s for the same projection with the same
 * literal again (bench/RESULTS.md, "Spark scoring: the cause of the gap"). An array literal is not
 * inlined (the generated code holds a reference to it), so the instant goes into one, and an index
 * that depends on a column keeps the optimizer from taking the element out of it again: the same
 * instant twice, picked by whether the column is null — the instant on every row. (A one-element
 * array with a constant index, or an index like `x * 0`, is simplified back to the literal.) The
 * cost per row is one array read.
 */
export function sparkInstant(milliseconds: number, anyColumn: string): string {
  const instant = `TIMESTAMP_MILLIS(${Math.round(milliseconds)})`;
  return `ARRAY(${instant}, ${instant})[CAST(ISNULL(${anyColumn}) AS INT)]`;
}
