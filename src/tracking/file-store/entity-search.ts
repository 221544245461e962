import { MlopsError } from '../../errors.js';
import type { Experiment, ModelVersion, RegisteredModel } from '../types.js';
import { compare, compareForSort, Cursor, parseComparator, parseValue, type Comparator } from './search.js';

/**
 * Search over experiments, registered models and model versions: MLflow's `and`-joined filter
 * grammar (SearchExperimentsUtils, SearchModelUtils, SearchModelVersionUtils) on the attributes
 * each entity has, plus `tags.<key>`, and order_by on the attributes. Pure and in memory.
 */

interface AttributeSpec<T> {
  kind: 'string' | 'number';
  get: (entity: T) => string | number | undefined;
  /** Defaults: strings = != LIKE ILIKE, numbers = != > >= < <=. */
  comparators?: readonly Comparator[];
  orderable?: boolean;
}

export interface EntitySearchSpec<T> {
  /** Named in errors: "experiments", "registered models", "model versions". */
  what: string;
  attributes: Record<string, AttributeSpec<T>>;
  /** Other spellings MLflow accepts for an attribute, e.g. `timestamp` for last_updated_timestamp. */
  aliases?: Record<string, string>;
  tags: (entity: T) => Record<string, string>;
}

export interface EntityClause {
  /** An attribute name, or undefined for a tag. */
  attribute: string | undefined;
  tag: string | undefined;
  comparator: Comparator;
  value: string | number | string[];
}

export interface EntityOrder {
  attribute: string;
  ascending: boolean;
}

const STRING_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const NUMBER_COMPARATORS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
const TAG_PREFIXES = new Set(['tags', 'tag']);
const ATTRIBUTE_PREFIXES = new Set(['attribute', 'attributes', 'attr']);

function invalid(message: string, details: Record<string, unknown>): MlopsError {
  return new MlopsError('INVALID_ARGUMENT', message, { details });
}

function readIdentifier<T>(cursor: Cursor, spec: EntitySearchSpec<T>): { attribute: string | undefined; tag: string | undefined } {
  const word = cursor.match(/^[A-Za-z_][A-Za-z0-9_]*/);
  if (word === undefined) throw cursor.fail(`an attribute (${Object.keys(spec.attributes).join(', ')}) or tags.<key>`);
  let name = word;
  if (cursor.text[cursor.position] === '.') {
    cursor.position += 1;
    const quote = cursor.text[cursor.position];
    const key =
      quote === '`' || quote === '"' ? cursor.quoted(quote) : /^[^\s=!<>()',]+/.exec(cursor.text.slice(cursor.position))?.[0];
    if (key === undefined || key === '') throw cursor.fail(`a key after '${word}.'`);
    if (quote !== '`' && quote !== '"') cursor.position += key.length;
    if (TAG_PREFIXES.has(word.toLowerCase())) return { attribute: undefined, tag: key };
    if (!ATTRIBUTE_PREFIXES.has(word.toLowerCase())) throw invalid(`Invalid entity type '${word}' in '${cursor.text}': expected tags or attributes`, { entity: word });
    name = key;
  }
  const attribute = spec.aliases?.[name] ?? name;
  if (spec.attributes[attribute] === undefined) {
    throw invalid(`Invalid attribute key '${name}' for searching ${spec.what}: expected one of ${Object.keys(spec.attributes).join(', ')} or tags.<key>`, { key: name });
  }
  return { attribute, tag: undefined };
}

/** Parses `name LIKE 'iris%' and tags.team = 'ml'`; '' or undefined is no filter. */
export function parseEntityFilter<T>(filter: string | undefined, spec: EntitySearchSpec<T>): EntityClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const cursor = new Cursor(filter, 'filter');
  const clauses: EntityClause[] = [];
  for (;;) {
    const { attribute, tag } = readIdentifier(cursor, spec);
    const comparator = parseComparator(cursor);
    const value = parseValue(cursor);
    const attributeSpec = attribute === undefined ? undefined : spec.attributes[attribute]!;
    const kind = attributeSpec?.kind ?? 'string';
    const allowed = attributeSpec?.comparators ?? (kind === 'number' ? NUMBER_COMPARATORS : STRING_COMPARATORS);
    const label = attribute ?? `tags.${tag}`;
    if (!allowed.includes(comparator)) throw invalid(`Invalid comparator '${comparator}' for ${label} in '${filter}': expected one of ${allowed.join(' ')}`, { key: label, comparator });
    if (comparator === 'IN' || comparator === 'NOT IN') {
      if (!Array.isArray(value)) throw invalid(`${comparator} needs a ('list', 'of', 'values') for ${label} in '${filter}'`, { key: label });
    } else if (kind === 'number' ? typeof value !== 'number' : typeof value !== 'string') {
      throw invalid(`Expected a ${kind === 'number' ? 'numeric' : 'quoted string'} value for ${label} in '${filter}', found ${JSON.stringify(value)}`, { key: label });
    }
    clauses.push({ attribute, tag, comparator, value });
    if (cursor.done) return clauses;
    if (cursor.match(/^and(?![A-Za-z0-9_])/i) === undefined) throw cursor.fail("'and' between comparisons");
  }
}

function valueOf<T>(entity: T, clause: { attribute: string | undefined; tag: string | undefined }, spec: EntitySearchSpec<T>): string | number | undefined {
  if (clause.attribute !== undefined) return spec.attributes[clause.attribute]!.get(entity);
  return spec.tags(entity)[clause.tag!];
}

/** As in MLflow, an entity without the attribute or tag never matches. */
export function entityMatches<T>(entity: T, clauses: readonly EntityClause[], spec: EntitySearchSpec<T>): boolean {
  return clauses.every((clause) => {
    const left = valueOf(entity, clause, spec);
    return left !== undefined && compare(left, clause.comparator, clause.value);
  });
}

/** Parses order_by clauses such as `creation_time DESC` or `name`. */
export function parseEntityOrderBy<T>(orderBy: readonly string[] | undefined, spec: EntitySearchSpec<T>): EntityOrder[] {
  return (orderBy ?? []).map((text) => {
    const cursor = new Cursor(text, 'order_by');
    const { attribute } = readIdentifier(cursor, spec);
    if (attribute === undefined || spec.attributes[attribute]!.orderable === false) {
      throw invalid(`Invalid order_by clause '${text}' for ${spec.what}: order by one of ${orderableAttributes(spec).join(', ')}`, { orderBy: text });
    }
    const direction = cursor.match(/^(?:asc|desc)(?![A-Za-z0-9_])/i);
    if (!cursor.done) throw cursor.fail('ASC, DESC or the end of the clause');
    return { attribute, ascending: direction === undefined || direction.toLowerCase() === 'asc' };
  });
}

function orderableAttributes<T>(spec: EntitySearchSpec<T>): string[] {
  return Object.entries(spec.attributes)
    .filter(([, attribute]) => attribute.orderable !== false)
    .map(([name]) => name);
}

/** Sorts by `defaultOrder`, then applies the order_by clauses last to first with a stable sort, so earlier ones win. */
export function sortEntities<T>(entities: readonly T[], orderBy: readonly EntityOrder[], spec: EntitySearchSpec<T>, defaultOrder: (a: T, b: T) => number): T[] {
  let sorted = [...entities].sort(defaultOrder);
  for (const clause of [...orderBy].reverse()) {
    const get = spec.attributes[clause.attribute]!.get;
    sorted = sorted.sort((a, b) => compareForSort(get(a), get(b), clause.ascending));
  }
  return sorted;
}

export const EXPERIMENT_SEARCH: EntitySearchSpec<Experiment> = {
  what: 'experiments',
  attributes: {
    name: { kind: 'string', get: (experiment) => experiment.name },
    experiment_id: { kind: 'string', get: (experiment) => experiment.experimentId, comparators: ['=', '!='] },
    creation_time: { kind: 'number', get: (experiment) => experiment.creationTime },
    last_update_time: { kind: 'number', get: (experiment) => experiment.lastUpdateTime },
  },
  tags: (experiment) => experiment.tags,
};

export const REGISTERED_MODEL_SEARCH: EntitySearchSpec<RegisteredModel> = {
  what: 'registered models',
  attributes: {
    name: { kind: 'string', get: (model) => model.name },
    creation_timestamp: { kind: 'number', get: (model) => model.creationTimestamp },
    last_updated_timestamp: { kind: 'number', get: (model) => model.lastUpdatedTimestamp },
  },
  aliases: { timestamp: 'last_updated_timestamp' },
  tags: (model) => model.tags,
};

export const MODEL_VERSION_SEARCH: EntitySearchSpec<ModelVersion> = {
  what: 'model versions',
  attributes: {
    name: { kind: 'string', get: (version) => version.name },
    version_number: { kind: 'number', get: (version) => Number(version.version) },
    run_id: { kind: 'string', get: (version) => version.runId, comparators: ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'] },
    source_path: { kind: 'string', get: (version) => version.source },
    creation_timestamp: { kind: 'number', get: (version) => version.creationTimestamp },
    last_updated_timestamp: { kind: 'number', get: (version) => version.lastUpdatedTimestamp },
  },
  aliases: { timestamp: 'last_updated_timestamp' },
  tags: (version) => version.tags,
};

export interface SearchEntitiesOptions {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  signal?: AbortSignal;
}

/** MLflow's page-size limits per kind of search (mlflow/store/…/abstract_store.py). */
export const SEARCH_LIMITS = {
  registeredModels: { default: 100, max: 1000 },
  modelVersions: { default: 10_000, max: 200_000 },
} as const;

export function validateEntityMaxResults(maxResults: number | undefined, limits: { default: number; max: number }, what: string): number {
  const value = maxResults ?? limits.default;
  if (!Number.isSafeInteger(value) || value < 1 || value > limits.max) {
    throw invalid(`Invalid value for max_results when searching ${what}: expected an integer from 1 to ${limits.max}, got ${String(maxResults)}`, { maxResults });
  }
  return value;
}
