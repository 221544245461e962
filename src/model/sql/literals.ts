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

/** A string literal: single quotes, embedded quotes doubled (standard SQL, accepted by both). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export type SqlDialect = 'spark' | 'duckdb';

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
