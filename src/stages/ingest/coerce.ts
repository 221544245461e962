import type { IngestColumn } from './schema.js';

/**
 * The coercion rules, the same for every format (README "Schema and coercion" writes them down):
 *  - DOUBLE: a decimal or scientific number ("5.1", "-2", "1e-3"); JSON numbers; any Parquet number.
 *    Hex, "NaN", "Infinity", thousands separators and values beyond float64 are rejected.
 *  - BIGINT / INT: an integer ("42", "-7") within 64 / 32 bits; a JSON number with no fraction;
 *    a Parquet integer in range. "4.0" and "1e3" are rejected.
 *  - STRING: the text as is; JSON numbers and booleans become their JSON text; IN (…) lists are exact
 *    and case-sensitive.
 *  - CSV values are trimmed of spaces and tabs unless quoted; an empty unquoted value is missing,
 *    a quoted "" is an empty string (missing for non-STRING columns). In a nullable column an
 *    unquoted null marker (CSV_NULL_VALUES: NA, N/A, n/a, null, NULL, None, NaN — what R, pandas and
 *    Spark writers leave) is missing too; quoted ("NA") it is the text. A NOT NULL column reads it as text.
 *  - A missing value (empty, null, absent key) is null in a nullable column and quarantines the row
 *    in a NOT NULL column.
 */
export type CellValue = number | bigint | string | null;

export type Coercion = { ok: true; value: CellValue } | { ok: false; reason: string };

/** A number's text, as coerceText accepts it (Spark ingest compiles the same pattern to RLIKE). */
export const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** An integer's text, as coerceText accepts it (Spark ingest compiles the same pattern to RLIKE). */
export const INTEGER = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Unquoted CSV texts read as missing in a nullable column, besides the empty field. */
export const CSV_NULL_VALUES: ReadonlySet<string> = new Set(['NA', 'N/A', 'n/a', 'null', 'NULL', 'None', 'NaN']);

/** A CSV field's text (already trimmed when unquoted); `quoted` tells "" (empty string) from an empty field. */
export function coerceText(column: IngestColumn, text: string, quoted: boolean): Coercion {
  if (text === '' && !(quoted && column.type === 'string')) return missing(column, 'is empty');
  if (!quoted && column.nullable && CSV_NULL_VALUES.has(text)) return { ok: true, value: null };
  switch (column.type) {
    case 'double':
      return parseDouble(column, text);
    case 'bigint':
      return parseBigint(column, text);
    case 'int':
      return parseInt32(column, text);
    case 'string':
      return checkAllowed(column, text);
  }
}

/** A JSON Lines value; `present` is false when the object has no such key. */
export function coerceJson(column: IngestColumn, value: unknown, present: boolean): Coercion {
  if (!present) return missing(column, 'is missing');
  if (value === null) return missing(column, 'is null');
  if (typeof value === 'string') return coerceText(column, value, true);
  if (typeof value === 'number') return coerceNumber(column, value);
  if (typeof value === 'boolean') {
    return column.type === 'string' ? checkAllowed(column, String(value)) : { ok: false, reason: `${column.name} is a boolean (${value}), not a number` };
  }
  return { ok: false, reason: `${column.name} is ${Array.isArray(value) ? 'an array' : 'an object'}, not a ${describeType(column)}` };
}

/** A value read from a Parquet file (as Arrow gives it: number, bigint, string, boolean, null). */
export function coerceParquet(column: IngestColumn, value: unknown): Coercion {
  if (value === null || value === undefined) return missing(column, 'is null');
  if (typeof value === 'bigint') {
    if (column.type === 'bigint') return { ok: true, value };
    if (column.type === 'string') return checkAllowed(column, value.toString());
    const asNumber = Number(value);
    if (column.type === 'double' && BigInt(asNumber) === value) return { ok: true, value: asNumber };
    return coerceNumber(column, Number.isSafeInteger(asNumber) ? asNumber : Number.NaN, value.toString());
  }
  if (typeof value === 'number') return coerceNumber(column, value);
  if (typeof value === 'string') return coerceText(column, value, true);
  if (typeof value === 'boolean') {
    return column.type === 'string' ? checkAllowed(column, String(value)) : { ok: false, reason: `${column.name} is a boolean (${value}), not a number` };
  }
  return { ok: false, reason: `${column.name} has a value of an unsupported Parquet type (${Object.prototype.toString.call(value).slice(8, -1)})` };
}

function coerceNumber(column: IngestColumn, value: number, shown = String(value)): Coercion {
  switch (column.type) {
    case 'double':
      return Number.isFinite(value) ? { ok: true, value } : { ok: false, reason: `${column.name} ${shown} is not a finite number` };
    case 'bigint':
      if (!Number.isSafeInteger(value)) return { ok: false, reason: `${column.name} ${shown} is not an integer within 64 bits` };
      return { ok: true, value: BigInt(value) };
    case 'int':
      if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) return { ok: false, reason: `${column.name} ${shown} is not an integer within 32 bits` };
      return { ok: true, value };
    case 'string':
      return checkAllowed(column, shown);
  }
}

function parseDouble(column: IngestColumn, text: string): Coercion {
  if (!DECIMAL.test(text)) return { ok: false, reason: `${column.name} ${JSON.stringify(text)} is not a number` };
  const value = Number(text);
  if (!Number.isFinite(value)) return { ok: false, reason: `${column.name} ${JSON.stringify(text)} is out of the float64 range` };
  return { ok: true, value };
}

function parseBigint(column: IngestColumn, text: string): Coercion {
  if (!INTEGER.test(text)) return { ok: false, reason: `${column.name} ${JSON.stringify(text)} is not an integer` };
  const value = BigInt(text);
  if (value < INT64_MIN || value > INT64_MAX) return { ok: false, reason: `${column.name} ${JSON.stringify(text)} is out of the 64-bit range` };
  return { ok: true, value };
}

function parseInt32(column: IngestColumn, text: string): Coercion {
  if (!INTEGER.test(text)) return { ok: false, reason: `${column.name} ${JSON.stringify(text)} is not an integer` };
  const value = Number(text);
  if (value < INT32_MIN || value > INT32_MAX) return { ok: false, reason: `${column.name} ${JSON.stringify(text)} is out of the 32-bit range` };
  return { ok: true, value };
}

function checkAllowed(column: IngestColumn, text: string): Coercion {
  if (column.allowed !== undefined && !column.allowed.includes(text)) {
    return { ok: false, reason: `${column.name} ${JSON.stringify(text)} is not one of ${column.allowed.join(', ')}` };
  }
  return { ok: true, value: text };
}

function missing(column: IngestColumn, how: string): Coercion {
  return column.nullable ? { ok: true, value: null } : { ok: false, reason: `${column.name} ${how}` };
}

function describeType(column: IngestColumn): string {
  return column.type === 'string' ? 'string' : 'number';
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The fast path for DOUBLE cells in CSV bytes: [+-]digits[.digits][e[+-]digits] with at most 2^53 as
 * the significand and a power of ten within 10^±22, where one IEEE multiply or divide of two exact
 * values gives the correctly rounded result (Clinger's fast path), so it equals Number(text). Returns
 * NaN for anything else; the caller then takes the general path (coerceText).
 */
export function parseDecimalBytes(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  let c = bytes[i];
  if (c === 0x2d) {
    negative = true;
    i++;
  } else if (c === 0x2b) i++;
  let significand = 0;
  let digits = 0;
  let fraction = 0;
  while (i < end) {
    c = bytes[i]! - 0x30;
    if (c < 0 || c > 9) break;
    significand = significand * 10 + c;
    digits++;
    i++;
  }
  if (i < end && bytes[i] === 0x2e) {
    i++;
    while (i < end) {
      c = bytes[i]! - 0x30;
      if (c < 0 || c > 9) break;
      significand = significand * 10 + c;
      digits++;
      fraction++;
      i++;
    }
  }
  if (digits === 0) return Number.NaN;
  let exponent = 0;
  if (i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i++;
    let negativeExponent = false;
    if (bytes[i] === 0x2d) {
      negativeExponent = true;
      i++;
    } else if (bytes[i] === 0x2b) i++;
    let expDigits = 0;
    while (i < end) {
      c = bytes[i]! - 0x30;
      if (c < 0 || c > 9) break;
      exponent = exponent * 10 + c;
      expDigits++;
      i++;
    }
    if (expDigits === 0 || expDigits > 4) return Number.NaN;
    if (negativeExponent) exponent = -exponent;
  }
  if (i !== end || significand > 9007199254740991) return Number.NaN;
  const power = exponent - fraction;
  let value: number;
  if (power === 0) value = significand;
  else if (power > 0 && power <= 22) value = significand * POWERS_OF_TEN[power]!;
  else if (power < 0 && power >= -22) value = significand / POWERS_OF_TEN[-power]!;
  else return Number.NaN;
  return negative ? -value : value;
}
