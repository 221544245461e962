import { MlopsError } from '../../errors.js';
import type { Metric } from '../types.js';

/**
 * A request's parameters, wherever they came from: the query string of a GET, the JSON body of
 * a POST, PATCH or DELETE. Errors use the words MLflow's server uses (mlflow/server/handlers.py),
 * so clients that match on them keep working.
 */

const API_DOCS = 'See the API docs for more information about request parameters.';

export function missingParameter(name: string): MlopsError {
  return new MlopsError('INVALID_ARGUMENT', `Missing value for required parameter '${name}'. ${API_DOCS}`, { details: { parameter: name } });
}

function pythonTypeName(value: unknown): string {
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'NoneType';
  return 'dict';
}

export function invalidParameter(name: string, value: unknown): MlopsError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new MlopsError('INVALID_ARGUMENT', `Invalid value ${shown} for parameter '${name}' supplied. Hint: Value was of type '${pythonTypeName(value)}'. ${API_DOCS}`, {
    details: { parameter: name },
  });
}

export class Params {
  private constructor(
    private readonly values: Record<string, unknown>,
    /** Query values are all strings; numbers are then parsed from text. */
    private readonly fromQuery: boolean,
  ) {}

  static fromJson(body: Record<string, unknown>): Params {
    return new Params(body, false);
  }

  /** Repeated keys become lists, as MLflow reads repeated fields from a query string. */
  static fromQuery(search: URLSearchParams): Params {
    const values: Record<string, unknown> = {};
    for (const key of new Set(search.keys())) {
      const all = search.getAll(key);
      values[key] = all.length === 1 ? all[0] : all;
    }
    return new Params(values, true);
  }

  has(name: string): boolean {
    const value = this.values[name];
    return value !== undefined && value !== null;
  }

  optionalString(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw invalidParameter(name, value);
    return value;
  }

  /** Required and non-empty, as MLflow's _assert_required. */
  string(name: string): string {
    const value = this.optionalString(name);
    if (value === undefined || value === '') throw missingParameter(name);
    return value;
  }

  /** The first of several names that is set (MLflow accepts run_uuid for run_id). */
  stringOf(...names: string[]): string {
    for (const name of names) {
      const value = this.optionalString(name);
      if (value !== undefined && value !== '') return value;
    }
    throw missingParameter(names[0]!);
  }

  optionalInteger(name: string): number | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    const number = typeof value === 'string' && (this.fromQuery || /^-?\d+$/.test(value)) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw invalidParameter(name, value);
    return number;
  }

  integer(name: string): number {
    const value = this.optionalInteger(name);
    if (value === undefined) throw missingParameter(name);
    return value;
  }

  /** A double: a number, or proto3's "NaN", "Infinity", "-Infinity". */
  double(name: string): number {
    const value = this.values[name];
    if (value === undefined || value === null) throw missingParameter(name);
    return parseDoubleValue(name, value, this.fromQuery);
  }

  optionalBoolean(name: string): boolean | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw invalidParameter(name, value);
  }

  /** A repeated string field: a list, or one value (a query string with the key once). */
  stringList(name: string): string[] {
    const value = this.values[name];
    if (value === undefined || value === null) return [];
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) if (typeof item !== 'string') throw invalidParameter(name, value);
    return list as string[];
  }

  /** A repeated {key, value} field (tags, params) as a record; later keys win. */
  keyValues(name: string): Record<string, string> {
    const value = this.values[name];
    if (value === undefined || value === null) return {};
    if (!Array.isArray(value)) throw invalidParameter(name, value);
    const record: Record<string, string> = {};
    for (const item of value) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidParameter(name, value);
      const entry = Params.fromJson(item as Record<string, unknown>);
      const key = entry.optionalString('key');
      if (key === undefined) throw missingParameter(`${name}.key`);
      record[key] = entry.optionalString('value') ?? '';
    }
    return record;
  }

  /** log-batch's metrics: key, value and timestamp required, step 0 by default. */
  metrics(name: string): Metric[] {
    const value = this.values[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalidParameter(name, value);
    return value.map((item) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidParameter(name, item);
      const entry = Params.fromJson(item as Record<string, unknown>);
      const modelId = entry.optionalString('model_id');
      return { key: entry.string('key'), value: entry.double('value'), timestamp: entry.integer('timestamp'), step: entry.optionalInteger('step') ?? 0, ...(modelId ? { modelId } : {}) };
    });
  }
}

function parseDoubleValue(name: string, value: unknown, fromQuery: boolean): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (fromQuery && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  throw invalidParameter(name, value);
}
