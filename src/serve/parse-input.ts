import { categoryIndex, vocabularyLookup, type InputColumn } from '../model/encoding.js';
import { badRequest, invalidInput } from './scoring-error.js';

/** The model's input signature: named columns, in the order the model takes them. */
export interface InputSchema {
  featureNames: readonly string[];
  /** How each column is read (see encoding.ts); absent: every column a required double. */
  inputs?: readonly InputColumn[];
}

/** Rows ready for the model: row-major, rows × featureNames.length — a raw matrix (encodeRawMatrix) when the schema has inputs. */
export interface ParsedInput {
  features: Float32Array;
  rows: number;
}

/** The JSON input fields MLflow 2's scoring protocol accepts (exactly one per request). */
export const JSON_INPUT_FIELDS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

const REQUIRED_FORMAT = `The input must be a JSON object with exactly one of the fields ${JSON_INPUT_FIELDS.join(', ')}`;

/**
 * A parsed JSON body → the model's rows, checked against its signature. Accepted, as MLflow's
 * scoring server accepts them:
 * - `dataframe_split`: `{columns, data}` (pandas orient="split"); without `columns`, rows are positional;
 * - `dataframe_records`: `[{column: value}, …]`;
 * - `instances`: `[{column: value}, …]` or positional rows `[[…], …]`;
 * - `inputs`: columns `{column: [values]}`, or records, or positional rows.
 * Columns the model does not use are ignored; a missing column, a ragged row or a value that is
 * not a number is an INVALID_PARAMETER_VALUE error naming the column (and row).
 */
export function parseJsonInput(body: unknown, schema: InputSchema): ParsedInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(`${REQUIRED_FORMAT}. Received ${Array.isArray(body) ? 'a list' : `a ${body === null ? 'null' : typeof body}`}.`);
  }
  const record = body as Record<string, unknown>;
  const fields = JSON_INPUT_FIELDS.filter((field) => Object.hasOwn(record, field));
  if (fields.length !== 1) {
    throw badRequest(`${REQUIRED_FORMAT}. Received an object with the fields [${Object.keys(record).join(', ')}].`);
  }
  const field = fields[0]!;
  const value = record[field];
  switch (field) {
    case 'dataframe_split':
      return fromSplit(value, schema);
    case 'dataframe_records':
      return fromRecords(value, schema, field);
    case 'instances':
      return fromRows(value, schema, field);
    case 'inputs':
      return isPlainObject(value) ? fromColumns(value, schema) : fromRows(value, schema, field);
  }
}

function fromSplit(value: unknown, schema: InputSchema): ParsedInput {
  if (!isPlainObject(value) || !Array.isArray(value['data'])) {
    throw badRequest('dataframe_split must be an object with "data" (a list of rows) and optionally "columns", as pandas.DataFrame.to_dict(orient="split") writes it');
  }
  const data = value['data'] as unknown[];
  const columns = value['columns'];
  if (columns === undefined) return positional(data, schema, 'dataframe_split');
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) throw badRequest('dataframe_split.columns must be a list of column names');
  const index = columnIndex(columns as string[], schema);
  const out = new Float32Array(data.length * schema.featureNames.length);
  data.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw invalidInput(`dataframe_split.data row ${r} has ${Array.isArray(row) ? row.length : 'no'} values for ${columns.length} columns`, { row: r });
    }
    schema.featureNames.forEach((name, j) => {
      out[r * schema.featureNames.length + j] = readCell(schema, j, row[index[j]!], r);
    });
  });
  return { features: out, rows: data.length };
}

function fromRecords(value: unknown, schema: InputSchema, field: string): ParsedInput {
  if (!Array.isArray(value)) throw badRequest(`${field} must be a list of records ({column: value})`);
  const width = schema.featureNames.length;
  const out = new Float32Array(value.length * width);
  value.forEach((record, r) => {
    if (!isPlainObject(record)) throw badRequest(`${field}[${r}] must be a record ({column: value}), found ${describe(record)}`);
    schema.featureNames.forEach((name, j) => {
      if (!Object.hasOwn(record, name)) throw missing([name], schema, r);
      out[r * width + j] = readCell(schema, j, record[name], r);
    });
  });
  return { features: out, rows: value.length };
}

function fromRows(value: unknown, schema: InputSchema, field: string): ParsedInput {
  if (!Array.isArray(value)) throw badRequest(`${field} must be a list of records or of rows`);
  if (value.length > 0 && isPlainObject(value[0])) return fromRecords(value, schema, field);
  return positional(value, schema, field);
}

function fromColumns(value: Record<string, unknown>, schema: InputSchema): ParsedInput {
  const absent = schema.featureNames.filter((name) => !Object.hasOwn(value, name));
  if (absent.length > 0) throw missing(absent, schema);
  const columns = schema.featureNames.map((name) => {
    const column = value[name];
    if (!Array.isArray(column)) throw invalidInput(`inputs.${name} must be a list of values, found ${describe(column)}`, { column: name });
    return column;
  });
  const rows = columns[0]!.length;
  columns.forEach((column, j) => {
    if (column.length !== rows) {
      throw invalidInput(`inputs columns differ in length: "${schema.featureNames[0]}" has ${rows} values, "${schema.featureNames[j]}" has ${column.length}`, {
        column: schema.featureNames[j],
      });
    }
  });
  const width = schema.featureNames.length;
  const out = new Float32Array(rows * width);
  columns.forEach((column, j) => column.forEach((cell, r) => (out[r * width + j] = readCell(schema, j, cell, r))));
  return { features: out, rows };
}

/** Rows without column names: each must have exactly one value per model input, in signature order. */
function positional(data: unknown[], schema: InputSchema, field: string): ParsedInput {
  const width = schema.featureNames.length;
  const out = new Float32Array(data.length * width);
  data.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw invalidInput(
        `${field} row ${r} has ${Array.isArray(row) ? `${row.length} values` : describe(row)}; rows without column names need one value per model input, in order: ${schema.featureNames.join(', ')}`,
        { row: r },
      );
    }
    row.forEach((cell, j) => (out[r * width + j] = readCell(schema, j, cell, r)));
  });
  return { features: out, rows: data.length };
}

/** For each model input, its position among the given columns; all must be present. */
export function columnIndex(columns: readonly string[], schema: InputSchema): number[] {
  const positions = new Map(columns.map((name, i) => [name, i]));
  const absent = schema.featureNames.filter((name) => !positions.has(name));
  if (absent.length > 0) throw missing(absent, schema);
  return schema.featureNames.map((name) => positions.get(name)!);
}

function missing(names: string[], schema: InputSchema, row?: number) {
  const where = row === undefined ? '' : ` (record ${row})`;
  return invalidInput(
    `Model is missing inputs [${names.map((n) => `'${n}'`).join(', ')}]${where}; its signature expects ${schema.featureNames.map((n) => `'${n}' (double)`).join(', ')}`,
    { missing: names, ...(row === undefined ? {} : { row }) },
  );
}

/**
 * One cell of the raw matrix: a required double as toNumber reads it; an imputed numeric input may
 * be missing (null, absent or "" → NaN, which the model imputes); a categorical input is its
 * vocabulary index (UNSEEN or MISSING otherwise, scored as all zeros).
 */
export function readCell(schema: InputSchema, column: number, value: unknown, row: number): number {
  const input = schema.inputs?.[column];
  const name = schema.featureNames[column]!;
  if (input === undefined || (input.kind === 'numeric' && input.impute === undefined)) return toNumber(value, name, row);
  if (input.kind === 'numeric') return value === null || value === undefined || value === '' ? NaN : toNumber(value, name, row);
  let lookup = lookups.get(input);
  if (lookup === undefined) lookups.set(input, (lookup = vocabularyLookup(input)));
  return categoryIndex(lookup, value);
}

const lookups = new WeakMap<InputColumn, Map<string, number>>();

/** A JSON number (or a finite numeric string) as the double the signature asks for. */
export function toNumber(value: unknown, column: string, row: number): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  throw invalidInput(`Column '${column}', row ${row}: expected a number (double), found ${describe(value)}`, { column, row, found: value ?? null });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
