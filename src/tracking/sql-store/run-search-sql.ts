import { pushAll } from '../../arrays.js';
import type { Comparator, FilterClause, OrderByClause } from '../file-store/search.js';

/**
 * MLflow's run search (filter, order_by, offset paging) as one SQLite statement over MLflow's
 * schema, following the contract of mlflow/store/tracking/sqlalchemy_store.py:
 * - metrics compare the run's latest value (latest_metrics); a NaN metric (stored as 0 with
 *   is_nan = 1) satisfies only `!=`;
 * - params and tags compare their text; a run without the key never matches, even for `!=`;
 * - `attributes.run_name` is the `mlflow.runName` tag; LIKE is case-sensitive, ILIKE is not;
 * - order_by clauses in order, each with missing values last (and NaN metrics before missing
 *   ones), then start_time DESC (unless ordered on already) and run_uuid.
 * A pure function: the statement and its bound values; the caller runs it.
 */

export interface RunSearchSqlInput {
  experimentIds: readonly bigint[];
  viewType: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
  filter: readonly FilterClause[];
  orderBy: readonly OrderByClause[];
  offset: number;
  /** Rows to return: one more than a page, so the caller knows whether another page follows. */
  limit: number;
}

export interface SqlStatement {
  sql: string;
  values: unknown[];
}

const RUN_NAME_TAG = 'mlflow.runName';

/** Run attributes and their columns in the runs table (alias r). */
const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: 'r.run_uuid',
  run_name: 'r.name',
  status: 'r.status',
  user_id: 'r.user_id',
  artifact_uri: 'r.artifact_uri',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
  experiment_id: 'r.experiment_id',
};

const ENTITY_TABLES = { metric: 'latest_metrics', param: 'params', tag: 'tags' } as const;

/** A LIKE pattern as a GLOB pattern, which SQLite matches case-sensitively as MLflow's LIKE does. */
export function likeToGlob(pattern: string): string {
  let glob = '';
  for (const ch of pattern) {
    if (ch === '%') glob += '*';
    else if (ch === '_') glob += '?';
    else if (ch === '*' || ch === '?' || ch === '[') glob += `[${ch}]`;
    else glob += ch;
  }
  return glob;
}

/** `column <comparator> value`, with the values it binds. */
function comparison(column: string, comparator: Comparator, value: FilterClause['value']): SqlStatement {
  switch (comparator) {
    case 'LIKE':
      return { sql: `${column} GLOB ?`, values: [likeToGlob(String(value))] };
    case 'ILIKE':
      return { sql: `lower(${column}) LIKE lower(?)`, values: [String(value)] };
    case 'IN':
    case 'NOT IN': {
      const items = value as string[];
      return { sql: `${column} ${comparator} (${items.map(() => '?').join(', ')})`, values: [...items] };
    }
    default:
      return { sql: `${column} ${comparator} ?`, values: [value] };
  }
}

function filterCondition(clause: FilterClause): SqlStatement {
  if (clause.type === 'attribute' && clause.key !== 'run_name') return comparison(ATTRIBUTE_COLUMNS[clause.key]!, clause.comparator, clause.value);
  const table = clause.type === 'attribute' ? ENTITY_TABLES.tag : ENTITY_TABLES[clause.type];
  const key = clause.type === 'attribute' ? RUN_NAME_TAG : clause.key;
  const compared = comparison('e.value', clause.comparator, clause.value);
  let condition = compared.sql;
  if (clause.type === 'metric') condition = clause.comparator === '!=' ? `(${condition} OR e.is_nan = 1)` : `${condition} AND e.is_nan = 0`;
  return { sql: `EXISTS (SELECT 1 FROM ${table} e WHERE e.run_uuid = r.run_uuid AND e.key = ? AND ${condition})`, values: [key, ...compared.values] };
}

/** The SELECT for one page of runs: `columns` of the runs table, aliased r; the caller loads their data. */
export function runSearchSql(input: RunSearchSqlInput, columns: string): SqlStatement {
  const joins: string[] = [];
  const joinValues: unknown[] = [];
  const order: string[] = [];
  input.orderBy.forEach((clause, index) => {
    let value: string;
    let missing: string;
    if (clause.type === 'attribute') {
      value = ATTRIBUTE_COLUMNS[clause.key]!;
      missing = `CASE WHEN ${value} IS NULL THEN 1 ELSE 0 END`;
    } else {
      const alias = `o${index}`;
      joins.push(`LEFT JOIN ${ENTITY_TABLES[clause.type]} ${alias} ON ${alias}.run_uuid = r.run_uuid AND ${alias}.key = ?`);
      joinValues.push(clause.key);
      value = `${alias}.value`;
      missing = clause.type === 'metric' ? `CASE WHEN ${alias}.is_nan = 1 THEN 1 WHEN ${value} IS NULL THEN 2 ELSE 0 END` : `CASE WHEN ${value} IS NULL THEN 1 ELSE 0 END`;
    }
    order.push(missing, clause.ascending ? value : `${value} DESC`);
  });
  if (!input.orderBy.some((clause) => clause.type === 'attribute' && clause.key === 'start_time')) order.push('r.start_time DESC');
  order.push('r.run_uuid');

  const where = [`r.experiment_id IN (${input.experimentIds.map(() => '?').join(', ')})`];
  const whereValues: unknown[] = [...input.experimentIds];
  if (input.viewType !== 'ALL') where.push(`r.lifecycle_stage = '${input.viewType === 'ACTIVE_ONLY' ? 'active' : 'deleted'}'`);
  for (const clause of input.filter) {
    const condition = filterCondition(clause);
    where.push(condition.sql);
    pushAll(whereValues, condition.values);
  }
  return {
    sql: `SELECT ${columns} FROM runs r ${joins.join(' ')} WHERE ${where.join(' AND ')} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`,
    values: [...joinValues, ...whereValues, input.limit, input.offset],
  };
}
