import { MlopsError } from '../../errors.js';
import type { Experiment, Page, Run } from '../types.js';

/**
 * The part of MLflow's search grammar (mlflow/utils/search_utils.py) that a file store can
 * evaluate in memory: `and`-joined comparisons on metrics, params, tags and run attributes,
 * order_by clauses, and MLflow's offset page tokens.
 */

export type EntityType = 'metric' | 'param' | 'tag' | 'attribute';
export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface FilterClause {
  type: EntityType;
  key: string;
  comparator: Comparator;
  value: string | number | string[];
}

export interface OrderByClause {
  type: EntityType;
  key: string;
  ascending: boolean;
}

export const SEARCH_MAX_RESULTS_DEFAULT = 1000;
export const SEARCH_MAX_RESULTS_THRESHOLD = 50000;

const ENTITY_ALIASES: Record<string, EntityType> = {
  metric: 'metric',
  metrics: 'metric',
  parameter: 'param',
  parameters: 'param',
  param: 'param',
  params: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};

const ATTRIBUTE_ALIASES: Record<string, string> = { created: 'start_time', Created: 'start_time', 'run name': 'run_name', 'Run name': 'run_name', 'Run Name': 'run_name' };
const STRING_ATTRIBUTES = new Set(['run_id', 'run_name', 'status', 'user_id', 'artifact_uri']);
const NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time']);
const ORDERABLE_ATTRIBUTES = new Set([...STRING_ATTRIBUTES, ...NUMERIC_ATTRIBUTES, 'experiment_id']);
const NUMERIC_COMPARATORS: ReadonlySet<Comparator> = new Set(['=', '!=', '>', '>=', '<', '<=']);
const STRING_COMPARATORS: ReadonlySet<Comparator> = new Set(['=', '!=', 'LIKE', 'ILIKE']);

function invalid(message: string, details: Record<string, unknown>): MlopsError {
  return new MlopsError('INVALID_ARGUMENT', message, { details });
}

/** A cursor over one filter or order_by string; errors quote the text and the position. */
export class Cursor {
  position = 0;

  constructor(
    readonly text: string,
    readonly what: string,
  ) {}

  get done(): boolean {
    this.skipSpace();
    return this.position >= this.text.length;
  }

  skipSpace(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position]!)) this.position += 1;
  }

  fail(expected: string): MlopsError {
    const found = this.position >= this.text.length ? 'the end' : JSON.stringify(this.text.slice(this.position, this.position + 20));
    return invalid(`Invalid ${this.what} '${this.text}': expected ${expected} at position ${this.position}, found ${found}`, {
      [this.what]: this.text,
      position: this.position,
    });
  }

  match(pattern: RegExp): string | undefined {
    this.skipSpace();
    const found = pattern.exec(this.text.slice(this.position));
    if (!found || found.index !== 0) return undefined;
    this.position += found[0].length;
    return found[0];
  }

  /** A quoted run of text; the quote character is escaped by doubling it, as in SQL. */
  quoted(quote: string): string | undefined {
    this.skipSpace();
    if (this.text[this.position] !== quote) return undefined;
    let value = '';
    let index = this.position + 1;
    while (index < this.text.length) {
      const ch = this.text[index]!;
      if (ch === quote) {
        if (this.text[index + 1] === quote) {
          value += quote;
          index += 2;
          continue;
        }
        this.position = index + 1;
        return value;
      }
      value += ch;
      index += 1;
    }
    throw this.fail(`a closing ${quote}`);
  }
}

function parseIdentifier(cursor: Cursor, validAttributes: ReadonlySet<string>): { type: EntityType; key: string } {
  const word = cursor.match(/^[A-Za-z_][A-Za-z0-9_]*/);
  if (word === undefined) throw cursor.fail('an identifier such as metrics.accuracy, params.lr, tags.stage or attributes.status');
  let type: EntityType = 'attribute';
  let key = word;
  if (cursor.text[cursor.position] === '.') {
    cursor.position += 1;
    const entity = ENTITY_ALIASES[word.toLowerCase()];
    if (entity === undefined) throw invalid(`Invalid entity type '${word}' in '${cursor.text}': expected one of metrics, params, tags, attributes`, { entity: word });
    type = entity;
    const quotedKey = cursor.text[cursor.position] === '`' ? cursor.quoted('`') : cursor.text[cursor.position] === '"' ? cursor.quoted('"') : undefined;
    const bareKey = quotedKey === undefined ? /^[^\s=!<>()',]+/.exec(cursor.text.slice(cursor.position))?.[0] : undefined;
    if (bareKey !== undefined) cursor.position += bareKey.length;
    const found = quotedKey ?? bareKey;
    if (found === undefined || found === '') throw cursor.fail(`a key after '${word}.'`);
    key = found;
  }
  if (type === 'attribute') {
    key = ATTRIBUTE_ALIASES[key] ?? key;
    if (!validAttributes.has(key)) {
      throw invalid(`Invalid attribute key '${key}' in '${cursor.text}': expected one of ${[...validAttributes].sort().join(', ')}`, { key });
    }
  }
  return { type, key };
}

export function parseComparator(cursor: Cursor): Comparator {
  const symbol = cursor.match(/^(?:>=|<=|!=|=|>|<)/);
  if (symbol !== undefined) return symbol as Comparator;
  const word = cursor.match(/^(?:not\s+in|in|ilike|like)(?![A-Za-z0-9_])/i);
  if (word !== undefined) return word.toUpperCase().replace(/\s+/, ' ') as Comparator;
  throw cursor.fail('a comparator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN)');
}

function parseString(cursor: Cursor): string | undefined {
  cursor.skipSpace();
  const quote = cursor.text[cursor.position];
  return quote === "'" || quote === '"' ? cursor.quoted(quote) : undefined;
}

export function parseValue(cursor: Cursor): string | number | string[] {
  const text = parseString(cursor);
  if (text !== undefined) return text;
  const number = cursor.match(/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/);
  if (number !== undefined) return Number(number);
  if (cursor.match(/^\(/) !== undefined) {
    const items: string[] = [];
    for (;;) {
      const item = parseString(cursor);
      if (item === undefined) throw cursor.fail('a quoted string in the list');
      items.push(item);
      if (cursor.match(/^\)/) !== undefined) return items;
      if (cursor.match(/^,/) === undefined) throw cursor.fail("',' or ')'");
    }
  }
  throw cursor.fail("a value: a 'quoted string', a number, or a ('list', 'of', 'strings')");
}

function checkClause(clause: FilterClause, filter: string): void {
  const { type, key, comparator, value } = clause;
  const where = `'${filter}'`;
  if (type === 'metric' || (type === 'attribute' && NUMERIC_ATTRIBUTES.has(key))) {
    if (!NUMERIC_COMPARATORS.has(comparator)) throw invalid(`Invalid comparator '${comparator}' for ${type} ${key} in ${where}: expected one of = != > >= < <=`, { key, comparator });
    if (typeof value !== 'number') throw invalid(`Expected a numeric value for ${type} ${key} in ${where}, found ${JSON.stringify(value)}`, { key });
    return;
  }
  if (comparator === 'IN' || comparator === 'NOT IN') {
    if (!(type === 'attribute' && key === 'run_id')) throw invalid(`${comparator} is only supported for attributes.run_id, not ${type} ${key} in ${where}`, { key, comparator });
    if (!Array.isArray(value)) throw invalid(`${comparator} needs a ('list', 'of', 'run ids') in ${where}`, { key });
    return;
  }
  if (!STRING_COMPARATORS.has(comparator)) throw invalid(`Invalid comparator '${comparator}' for ${type} ${key} in ${where}: expected one of = != LIKE ILIKE`, { key, comparator });
  if (typeof value !== 'string') throw invalid(`Expected a quoted string value for ${type} ${key} in ${where}, found ${JSON.stringify(value)}`, { key });
}

/** Parses `metrics.acc > 0.9 and params.lr = '0.1'`; '' or undefined is no filter. OR is not MLflow syntax. */
export function parseRunFilter(filter: string | undefined): FilterClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const cursor = new Cursor(filter, 'filter');
  const clauses: FilterClause[] = [];
  for (;;) {
    const { type, key } = parseIdentifier(cursor, new Set([...STRING_ATTRIBUTES, ...NUMERIC_ATTRIBUTES]));
    const comparator = parseComparator(cursor);
    const value = parseValue(cursor);
    const clause = { type, key, comparator, value };
    checkClause(clause, filter);
    clauses.push(clause);
    if (cursor.done) return clauses;
    if (cursor.match(/^and(?![A-Za-z0-9_])/i) === undefined) throw cursor.fail("'and' between comparisons");
  }
}

function attributeValue(run: Run, key: string): string | number | undefined {
  switch (key) {
    case 'run_id':
      return run.info.runId;
    case 'run_name':
      return run.info.runName;
    case 'status':
      return run.info.status;
    case 'user_id':
      return run.info.userId;
    case 'artifact_uri':
      return run.info.artifactUri;
    case 'start_time':
      return run.info.startTime;
    case 'end_time':
      return run.info.endTime;
    case 'experiment_id':
      return run.info.experimentId;
    default:
      return undefined;
  }
}

function entityValue(run: Run, type: EntityType, key: string): string | number | undefined {
  if (type === 'metric') return run.data.metrics[key]?.value;
  if (type === 'param') return run.data.params[key];
  if (type === 'tag') return run.data.tags[key];
  return attributeValue(run, key);
}

/** SQL LIKE: % is any run of characters, _ is one character; everything else is literal. */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '%') source += '[\\s\\S]*';
    else if (ch === '_') source += '[\\s\\S]';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'iu' : 'u');
}

export function compare(left: string | number, comparator: Comparator, right: string | number | string[]): boolean {
  switch (comparator) {
    case '=':
      return left === right;
    case '!=':
      return left !== right;
    case '>':
      return left > (right as string | number);
    case '>=':
      return left >= (right as string | number);
    case '<':
      return left < (right as string | number);
    case '<=':
      return left <= (right as string | number);
    case 'LIKE':
      return likeToRegExp(String(right), false).test(String(left));
    case 'ILIKE':
      return likeToRegExp(String(right), true).test(String(left));
    case 'IN':
      return (right as string[]).includes(String(left));
    case 'NOT IN':
      return !(right as string[]).includes(String(left));
  }
}

/** MLflow's rule: a run without the metric, param, tag or attribute never matches, even for `!=`. */
export function runMatchesFilter(run: Run, clauses: readonly FilterClause[]): boolean {
  return clauses.every((clause) => {
    const left = entityValue(run, clause.type, clause.key);
    return left !== undefined && compare(left, clause.comparator, clause.value);
  });
}

/** Parses order_by clauses such as `metrics.accuracy DESC` or `attributes.start_time`. */
export function parseRunOrderBy(orderBy: readonly string[] | undefined): OrderByClause[] {
  return (orderBy ?? []).map((text) => {
    const cursor = new Cursor(text, 'order_by');
    const { type, key } = parseIdentifier(cursor, ORDERABLE_ATTRIBUTES);
    const direction = cursor.match(/^(?:asc|desc)(?![A-Za-z0-9_])/i);
    if (!cursor.done) throw cursor.fail('ASC, DESC or the end of the clause');
    return { type, key, ascending: direction === undefined || direction.toLowerCase() === 'asc' };
  });
}

/** 0 for a value, 1 for NaN, 2 for a missing value. */
function sortRank(value: string | number | undefined): number {
  return value === undefined ? 2 : typeof value === 'number' && Number.isNaN(value) ? 1 : 0;
}

/**
 * NaN and missing values go last in either direction, NaN before missing, as in MLflow's
 * _get_value_for_sort (file store) and its SQL store's CASE on is_nan and NULL.
 */
export function compareForSort(a: string | number | undefined, b: string | number | undefined, ascending: boolean): number {
  const [aRank, bRank] = [sortRank(a), sortRank(b)];
  if (aRank !== 0 || bRank !== 0) return aRank - bRank;
  const order = a! < b! ? -1 : a! > b! ? 1 : 0;
  return ascending ? order : -order;
}

/**
 * MLflow first orders by start_time DESC then run_id, then applies each order_by clause from the
 * last to the first with a stable sort, so earlier clauses win.
 */
export function sortRuns(runs: readonly Run[], orderBy: readonly OrderByClause[]): Run[] {
  let sorted = [...runs].sort(
    (a, b) => b.info.startTime - a.info.startTime || (a.info.runId < b.info.runId ? -1 : a.info.runId > b.info.runId ? 1 : 0),
  );
  for (const clause of [...orderBy].reverse()) {
    sorted = sorted.sort((a, b) => compareForSort(entityValue(a, clause.type, clause.key), entityValue(b, clause.type, clause.key), clause.ascending));
  }
  return sorted;
}

/** MLflow's default experiment order: newest first, then by id. */
export function sortExperiments(experiments: readonly Experiment[]): Experiment[] {
  return [...experiments].sort(
    (a, b) => b.creationTime - a.creationTime || (a.experimentId < b.experimentId ? -1 : a.experimentId > b.experimentId ? 1 : 0),
  );
}

/** MLflow's page token: base64 of `{"offset": N}`, so tokens are interchangeable with an MLflow server's file store. */
export function createPageToken(offset: number): string {
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

export function parsePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  let offset: unknown;
  try {
    offset = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown }).offset;
  } catch (error) {
    throw new MlopsError('INVALID_ARGUMENT', `Invalid page token '${token}': expected a token returned by a previous search`, { cause: error, details: { pageToken: token } });
  }
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw invalid(`Invalid page token '${token}': its offset should be a non-negative integer, found ${JSON.stringify(offset)}`, { pageToken: token });
  }
  return offset;
}

export function validateMaxResults(maxResults: number | undefined): number {
  const value = maxResults ?? SEARCH_MAX_RESULTS_DEFAULT;
  if (!Number.isSafeInteger(value) || value < 1 || value > SEARCH_MAX_RESULTS_THRESHOLD) {
    throw invalid(`Invalid value for max_results: expected an integer from 1 to ${SEARCH_MAX_RESULTS_THRESHOLD}, got ${String(maxResults)}`, { maxResults });
  }
  return value;
}

/** One page of an already ordered list, with the token for the rest. */
export function paginate<T>(items: readonly T[], pageToken: string | undefined, maxResults: number): Page<T> {
  const start = parsePageToken(pageToken);
  const end = start + maxResults;
  return { items: items.slice(start, end), nextPageToken: end < items.length ? createPageToken(end) : undefined };
}
