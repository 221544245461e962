/**
 * Spark SQL functions by their PySpark names (pyspark.sql.functions), camelCased. Anything not
 * here is reachable with `callFunction(name, ...cols)` or `expr('…')`.
 */
import { call, col, Column, toColumnByName, type ColumnOrName, type ColumnOrValue } from './column.js';

export { col, column, expr, lit } from './column.js';

const c = toColumnByName;

/** Calls any Spark SQL function by name. */
export function callFunction(name: string, ...cols: ColumnOrName[]): Column {
  return call(name, cols.map(c));
}

// Aggregates
export function count(column: ColumnOrName): Column { return call('count', [column === '*' ? col('*') : c(column)]); }
export function countDistinct(...cols: ColumnOrName[]): Column { return call('count', cols.map(c), { distinct: true }); }
export function sum(column: ColumnOrName): Column { return call('sum', [c(column)]); }
export function avg(column: ColumnOrName): Column { return call('avg', [c(column)]); }
export function mean(column: ColumnOrName): Column { return call('mean', [c(column)]); }
export function min(column: ColumnOrName): Column { return call('min', [c(column)]); }
export function max(column: ColumnOrName): Column { return call('max', [c(column)]); }
export function first(column: ColumnOrName, ignoreNulls = false): Column { return call('first', [c(column), ignoreNulls]); }
export function last(column: ColumnOrName, ignoreNulls = false): Column { return call('last', [c(column), ignoreNulls]); }
export function stddev(column: ColumnOrName): Column { return call('stddev', [c(column)]); }
export function variance(column: ColumnOrName): Column { return call('variance', [c(column)]); }
export function collectList(column: ColumnOrName): Column { return call('collect_list', [c(column)]); }
export function collectSet(column: ColumnOrName): Column { return call('collect_set', [c(column)]); }
export function approxCountDistinct(column: ColumnOrName): Column { return call('approx_count_distinct', [c(column)]); }

// Math
export function abs(column: ColumnOrName): Column { return call('abs', [c(column)]); }
export function sqrt(column: ColumnOrName): Column { return call('sqrt', [c(column)]); }
export function exp(column: ColumnOrName): Column { return call('exp', [c(column)]); }
export function log(column: ColumnOrName): Column { return call('ln', [c(column)]); }
export function pow(base: ColumnOrName, exponent: ColumnOrValue): Column { return call('power', [c(base), exponent]); }
export function round(column: ColumnOrName, scale = 0): Column { return call('round', [c(column), scale]); }
export function floor(column: ColumnOrName): Column { return call('floor', [c(column)]); }
export function ceil(column: ColumnOrName): Column { return call('ceil', [c(column)]); }
export function greatest(...cols: ColumnOrName[]): Column { return call('greatest', cols.map(c)); }
export function least(...cols: ColumnOrName[]): Column { return call('least', cols.map(c)); }
export function rand(seed?: number): Column { return call('rand', seed === undefined ? [] : [seed]); }

// Conditionals and nulls
export function coalesce(...cols: ColumnOrName[]): Column { return call('coalesce', cols.map(c)); }
export function isnull(column: ColumnOrName): Column { return call('isnull', [c(column)]); }
/** CASE WHEN condition THEN value; chain with `.otherwise()` through `when(...).otherwise(...)`. */
export function when(condition: Column, value: ColumnOrValue): WhenColumn { return new WhenColumn([[condition, value]]); }

/** The result of `when`: more branches with `.when`, the default with `.otherwise`. */
export class WhenColumn extends Column {
  readonly #branches: [Column, ColumnOrValue][];
  constructor(branches: [Column, ColumnOrValue][], otherwise?: ColumnOrValue) {
    const args: ColumnOrValue[] = branches.flatMap(([condition, value]) => [condition, value]);
    if (otherwise !== undefined) args.push(otherwise);
    super(call('when', args).expression);
    this.#branches = branches;
  }
  when(condition: Column, value: ColumnOrValue): WhenColumn { return new WhenColumn([...this.#branches, [condition, value]]); }
  otherwise(value: ColumnOrValue): Column { return new WhenColumn(this.#branches, value); }
}

// Strings
export function upper(column: ColumnOrName): Column { return call('upper', [c(column)]); }
export function lower(column: ColumnOrName): Column { return call('lower', [c(column)]); }
export function trim(column: ColumnOrName): Column { return call('trim', [c(column)]); }
export function length(column: ColumnOrName): Column { return call('length', [c(column)]); }
export function concat(...cols: ColumnOrName[]): Column { return call('concat', cols.map(c)); }
export function concatWs(separator: string, ...cols: ColumnOrName[]): Column { return call('concat_ws', [separator, ...cols.map(c)]); }
export function substring(column: ColumnOrName, pos: number, len: number): Column { return call('substring', [c(column), pos, len]); }
export function regexpReplace(column: ColumnOrName, pattern: string, replacement: string): Column { return call('regexp_replace', [c(column), pattern, replacement]); }

// Dates and times
export function currentDate(): Column { return call('current_date', []); }
export function currentTimestamp(): Column { return call('current_timestamp', []); }
export function toDate(column: ColumnOrName, format?: string): Column { return call('to_date', format === undefined ? [c(column)] : [c(column), format]); }
export function toTimestamp(column: ColumnOrName, format?: string): Column { return call('to_timestamp', format === undefined ? [c(column)] : [c(column), format]); }
export function dateFormat(column: ColumnOrName, format: string): Column { return call('date_format', [c(column), format]); }

// Collections and structs
export function array(...cols: ColumnOrName[]): Column { return call('array', cols.map(c)); }
export function struct(...cols: ColumnOrName[]): Column { return call('struct', cols.map(c)); }
export function explode(column: ColumnOrName): Column { return call('explode', [c(column)]); }
export function size(column: ColumnOrName): Column { return call('size', [c(column)]); }
export function elementAt(column: ColumnOrName, index: ColumnOrValue): Column { return call('element_at', [c(column), index]); }
export function monotonicallyIncreasingId(): Column { return call('monotonically_increasing_id', []); }
export function asc(column: ColumnOrName): Column { return c(column).asc(); }
export function desc(column: ColumnOrName): Column { return c(column).desc(); }
