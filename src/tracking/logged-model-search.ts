import { MlopsError } from '../errors.js';
import { compare, compareForSort, Cursor, parseComparator, parseValue, type Comparator } from './file-store/search.js';
import type { LoggedModel } from './types.js';

/**
 * MLflow 3's logged-model search, in memory: `AND`-joined comparisons on attributes (name,
 * model_id, model_type, status, source_run_id, creation_timestamp, last_updated_timestamp),
 * `metrics.<key>`, `params.<key>` and `tags.<key>`; order_by on the same fields. Newest first by
 * default, as MLflow's SQL store orders them.
 */

type Field = { kind: 'attribute' | 'metric' | 'param' | 'tag'; key: string };

export interface LoggedModelClause extends Field {
  comparator: Comparator;
  value: string | number | string[];
}

const STRING_ATTRIBUTES = new Set(['name', 'model_id', 'model_type', 'status', 'source_run_id']);
const NUMBER_ATTRIBUTES = new Set(['creation_timestamp', 'last_updated_timestamp']);
const ATTRIBUTE_ALIASES: Record<string, string> = { creation_time: 'creation_timestamp', last_updated_time: 'last_updated_timestamp', run_id: 'source_run_id' };
const PREFIXES: Record<string, Field['kind']> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
};

function invalid(message: string, details: Record<string, unknown>): MlopsError {
  return new MlopsError('INVALID_ARGUMENT', message, { details });
}

function parseField(cursor: Cursor): Field {
  const word = cursor.match(/^[A-Za-z_][A-Za-z0-9_]*/);
  if (word === undefined) throw cursor.fail('a field such as name, creation_timestamp, metrics.accuracy, params.lr or tags.stage');
  let kind: Field['kind'] = 'attribute';
  let key = word;
  if (cursor.text[cursor.position] === '.') {
    const prefix = PREFIXES[word.toLowerCase()];
    if (prefix === undefined) throw invalid(`Invalid entity '${word}' in '${cursor.text}': expected metrics, params, tags or attributes`, { entity: word });
    cursor.position += 1;
    const quote = cursor.text[cursor.position];
    const quoted = quote === '`' || quote === '"' ? cursor.quoted(quote) : undefined;
    const bare = quoted === undefined ? /^[^\s=!<>()',]+/.exec(cursor.text.slice(cursor.position))?.[0] : undefined;
    if (bare !== undefined) cursor.position += bare.length;
    key = quoted ?? bare ?? '';
    if (key === '') throw cursor.fail(`a key after '${word}.'`);
    kind = prefix;
  }
  if (kind === 'attribute') {
    key = ATTRIBUTE_ALIASES[key] ?? key;
    if (!STRING_ATTRIBUTES.has(key) && !NUMBER_ATTRIBUTES.has(key)) {
      throw invalid(`Invalid attribute '${key}' in '${cursor.text}': expected one of ${[...STRING_ATTRIBUTES, ...NUMBER_ATTRIBUTES].sort().join(', ')}`, { key });
    }
  }
  return { kind, key };
}

export function parseLoggedModelFilter(filter: string | undefined): LoggedModelClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const cursor = new Cursor(filter, 'filter');
  const clauses: LoggedModelClause[] = [];
  for (;;) {
    const field = parseField(cursor);
    const comparator = parseComparator(cursor);
    const value = parseValue(cursor);
    const numeric = field.kind === 'metric' || (field.kind === 'attribute' && NUMBER_ATTRIBUTES.has(field.key));
    if (numeric && typeof value !== 'number') throw invalid(`Expected a number for ${field.kind} ${field.key} in '${filter}', found ${JSON.stringify(value)}`, { key: field.key });
    if (!numeric && typeof value === 'number') throw invalid(`Expected a quoted string for ${field.kind} ${field.key} in '${filter}', found ${value}`, { key: field.key });
    clauses.push({ ...field, comparator, value });
    if (cursor.done) return clauses;
    if (cursor.match(/^and(?![A-Za-z0-9_])/i) === undefined) throw cursor.fail("'AND' between comparisons");
  }
}

function fieldValue(model: LoggedModel, field: Field): string | number | undefined {
  switch (field.kind) {
    case 'metric': {
      // The latest value of the metric: highest step, then timestamp.
      let latest: LoggedModel['metrics'][number] | undefined;
      for (const metric of model.metrics) {
        if (metric.key !== field.key) continue;
        if (latest === undefined || metric.step > latest.step || (metric.step === latest.step && metric.timestamp >= latest.timestamp)) latest = metric;
      }
      return latest?.value;
    }
    case 'param':
      return model.params[field.key];
    case 'tag':
      return model.tags[field.key];
    default:
      switch (field.key) {
        case 'name':
          return model.name;
        case 'model_id':
          return model.modelId;
        case 'model_type':
          return model.modelType;
        case 'status':
          return model.status;
        case 'source_run_id':
          return model.sourceRunId;
        case 'creation_timestamp':
          return model.creationTimestamp;
        case 'last_updated_timestamp':
          return model.lastUpdatedTimestamp;
        default:
          return undefined;
      }
  }
}

export function loggedModelMatches(model: LoggedModel, clauses: readonly LoggedModelClause[]): boolean {
  return clauses.every((clause) => {
    const left = fieldValue(model, clause);
    return left !== undefined && compare(left, clause.comparator, clause.value);
  });
}

/** Parses order_by entries ({fieldName: 'metrics.accuracy', ascending: false}). */
export function parseLoggedModelOrderBy(orderBy: ReadonlyArray<{ fieldName: string; ascending?: boolean }> | undefined): Array<Field & { ascending: boolean }> {
  return (orderBy ?? []).map((entry) => {
    const cursor = new Cursor(entry.fieldName, 'order_by');
    const field = parseField(cursor);
    if (!cursor.done) throw cursor.fail('the end of the field name');
    return { ...field, ascending: entry.ascending ?? true };
  });
}

export function sortLoggedModels(models: readonly LoggedModel[], orderBy: ReadonlyArray<Field & { ascending: boolean }>): LoggedModel[] {
  let sorted = [...models].sort((a, b) => b.creationTimestamp - a.creationTimestamp || (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0));
  for (const clause of [...orderBy].reverse()) sorted = sorted.sort((a, b) => compareForSort(fieldValue(a, clause), fieldValue(b, clause), clause.ascending));
  return sorted;
}
