import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Table, type RecordBatch } from 'apache-arrow';
import { MlopsError } from '../errors.js';
import { ArrowBatchDecoder } from './arrow.js';
import type { CallOptions } from './client.js';
import { call, Column, expr, lit, toColumnByName, type ColumnOrName } from './column.js';
import { executePlan, type ExecuteOptions } from './execute.js';
import { AnalyzePlanRequest_Explain_ExplainMode, PlanSchema, type Plan } from './gen/spark/connect/base_pb.js';
import type { Command } from './gen/spark/connect/commands_pb.js';
import type { Expression } from './gen/spark/connect/expressions_pb.js';
import { Aggregate_GroupType, Join_JoinType, RelationSchema, SetOperation_SetOpType, type Relation } from './gen/spark/connect/relations_pb.js';
import type { PlanSession } from './plan-session.js';
import { toStructType, type StructType } from './types.js';
import { DataFrameWriter } from './writer.js';

/** A DataFrame over a relation of the given kind, with the session's next plan id. */
export function relationFrame(session: PlanSession, relType: RelTypeInit): DataFrame {
  return new DataFrame(session, create(RelationSchema, { common: { planId: session.nextPlanId() }, relType }));
}

/** A collected row: column name → value (int64 columns as bigint, as apache-arrow gives them). */
export type Row = Record<string, unknown>;

export type JoinType = 'inner' | 'cross' | 'outer' | 'full' | 'fullouter' | 'full_outer' | 'left' | 'leftouter' | 'left_outer' | 'right' | 'rightouter' | 'right_outer' | 'semi' | 'leftsemi' | 'left_semi' | 'anti' | 'leftanti' | 'left_anti';

const JOIN_TYPES: Record<JoinType, Join_JoinType> = {
  inner: Join_JoinType.INNER,
  cross: Join_JoinType.CROSS,
  outer: Join_JoinType.FULL_OUTER,
  full: Join_JoinType.FULL_OUTER,
  fullouter: Join_JoinType.FULL_OUTER,
  full_outer: Join_JoinType.FULL_OUTER,
  left: Join_JoinType.LEFT_OUTER,
  leftouter: Join_JoinType.LEFT_OUTER,
  left_outer: Join_JoinType.LEFT_OUTER,
  right: Join_JoinType.RIGHT_OUTER,
  rightouter: Join_JoinType.RIGHT_OUTER,
  right_outer: Join_JoinType.RIGHT_OUTER,
  semi: Join_JoinType.LEFT_SEMI,
  leftsemi: Join_JoinType.LEFT_SEMI,
  left_semi: Join_JoinType.LEFT_SEMI,
  anti: Join_JoinType.LEFT_ANTI,
  leftanti: Join_JoinType.LEFT_ANTI,
  left_anti: Join_JoinType.LEFT_ANTI,
};

/** A relation kind as create() accepts it (nested messages without $typeName). */
export type RelTypeInit = NonNullable<MessageInitShape<typeof RelationSchema>['relType']>;

export type ExplainMode = 'simple' | 'extended' | 'codegen' | 'cost' | 'formatted';

/**
 * A lazy, immutable query on a Spark Connect server, as PySpark's DataFrame: transformations
 * return a new DataFrame (a bigger plan) and send nothing; actions (count, collect, toArrow,
 * toArrowBatches, schema, explain, show, write) run the plan on the server.
 */
export class DataFrame {
  readonly session: PlanSession;
  /** The Spark Connect relation this DataFrame stands for. */
  readonly relation: Relation;

  constructor(session: PlanSession, relation: Relation) {
    this.session = session;
    this.relation = relation;
  }

  /** A new DataFrame over a relation of the given kind (plan ids as PySpark numbers them). */
  derive(relType: RelTypeInit): DataFrame {
    return new DataFrame(this.session, create(RelationSchema, { common: { planId: this.session.nextPlanId() }, relType }));
  }

  select(...cols: ColumnOrName[]): DataFrame {
    return this.derive({ case: 'project', value: { input: this.relation, expressions: cols.map((c) => toColumnByName(c).expression) } });
  }

  selectExpr(...exprs: string[]): DataFrame {
    return this.derive({ case: 'project', value: { input: this.relation, expressions: exprs.map((e) => expr(e).expression) } });
  }

  /** Rows where the condition holds; a string is a SQL condition. */
  filter(condition: Column | string): DataFrame {
    const column = typeof condition === 'string' ? expr(condition) : condition;
    return this.derive({ case: 'filter', value: { input: this.relation, condition: column.expression } });
  }

  where(condition: Column | string): DataFrame {
    return this.filter(condition);
  }

  withColumn(name: string, column: Column): DataFrame {
    return this.withColumns({ [name]: column });
  }

  withColumns(columns: Record<string, Column>): DataFrame {
    const aliases = Object.entries(columns).map(([name, column]) => ({ expr: column.expression, name: [name] }));
    return this.derive({ case: 'withColumns', value: { input: this.relation, aliases } });
  }

  withColumnRenamed(existing: string, renamed: string): DataFrame {
    return this.withColumnsRenamed({ [existing]: renamed });
  }

  withColumnsRenamed(renames: Record<string, string>): DataFrame {
    return this.derive({
      case: 'withColumnsRenamed',
      value: { input: this.relation, renames: Object.entries(renames).map(([colName, newColName]) => ({ colName, newColName })) },
    });
  }

  drop(...cols: ColumnOrName[]): DataFrame {
    const columnNames = cols.filter((c): c is string => typeof c === 'string');
    const columns = cols.filter((c): c is Column => c instanceof Column).map((c) => c.expression);
    return this.derive({ case: 'drop', value: { input: this.relation, columnNames, columns } });
  }

  limit(n: number): DataFrame {
    if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new MlopsError('INVALID_ARGUMENT', `limit(${n}): expected a whole number from 0 to 2147483647`, {});
    return this.derive({ case: 'limit', value: { input: this.relation, limit: n } });
  }

  /** Sorts by columns; a name sorts ascending, `col(x).desc()` descending. */
  orderBy(...cols: ColumnOrName[]): DataFrame {
    const order = cols.map((c) => {
      const column = toColumnByName(c);
      const e = column.expression;
      const sorted = e.exprType.case === 'sortOrder' ? e : column.asc().expression;
      return (sorted.exprType as Extract<Expression['exprType'], { case: 'sortOrder' }>).value;
    });
    return this.derive({ case: 'sort', value: { input: this.relation, order, isGlobal: true } });
  }

  sort(...cols: ColumnOrName[]): DataFrame {
    return this.orderBy(...cols);
  }

  groupBy(...cols: ColumnOrName[]): GroupedData {
    return new GroupedData(this, cols.map(toColumnByName));
  }

  /** Aggregates over all rows: df.agg(max('x')). */
  agg(...exprs: Column[]): DataFrame {
    return this.groupBy().agg(...exprs);
  }

  /**
   * Joins with another DataFrame: `on` is a column name, names (an equi-join that keeps one copy),
   * or a condition Column.
   */
  join(other: DataFrame, on?: string | string[] | Column, how: JoinType = 'inner'): DataFrame {
    const joinType = JOIN_TYPES[how];
    if (joinType === undefined) throw new MlopsError('INVALID_ARGUMENT', `join: unknown join type ${JSON.stringify(how)}; expected one of ${Object.keys(JOIN_TYPES).join(', ')}`, {});
    const usingColumns = typeof on === 'string' ? [on] : Array.isArray(on) ? on : [];
    return this.derive({
      case: 'join',
      value: {
        left: this.relation,
        right: other.relation,
        joinType: on === undefined && how === 'inner' ? Join_JoinType.INNER : joinType,
        usingColumns,
        ...(on instanceof Column ? { joinCondition: on.expression } : {}),
      },
    });
  }

  crossJoin(other: DataFrame): DataFrame {
    return this.join(other, undefined, 'cross');
  }

  /** UNION ALL by position, as PySpark's union. */
  union(other: DataFrame): DataFrame {
    return this.derive({ case: 'setOp', value: { leftInput: this.relation, rightInput: other.relation, setOpType: SetOperation_SetOpType.UNION, isAll: true } });
  }

  /** UNION ALL by column name. */
  unionByName(other: DataFrame, allowMissingColumns = false): DataFrame {
    return this.derive({
      case: 'setOp',
      value: { leftInput: this.relation, rightInput: other.relation, setOpType: SetOperation_SetOpType.UNION, isAll: true, byName: true, allowMissingColumns },
    });
  }

  distinct(): DataFrame {
    return this.derive({ case: 'deduplicate', value: { input: this.relation, allColumnsAsKeys: true } });
  }

  dropDuplicates(columnNames?: string[]): DataFrame {
    if (columnNames === undefined) return this.distinct();
    return this.derive({ case: 'deduplicate', value: { input: this.relation, columnNames } });
  }

  /** Names this DataFrame for qualified references (df.alias('a') then col('a.x')). */
  alias(name: string): DataFrame {
    return this.derive({ case: 'subqueryAlias', value: { input: this.relation, alias: name } });
  }

  /** Renames all columns in order. */
  toDF(...names: string[]): DataFrame {
    return this.derive({ case: 'toDf', value: { input: this.relation, columnNames: names } });
  }

  repartition(numPartitions: number): DataFrame {
    return this.derive({ case: 'repartition', value: { input: this.relation, numPartitions, shuffle: true } });
  }

  get write(): DataFrameWriter {
    return new DataFrameWriter(this);
  }

  /** The plan that runs this DataFrame. */
  plan(): Plan {
    return create(PlanSchema, { opType: { case: 'root', value: this.relation } });
  }

  // ---- actions ----

  /**
   * The result as Arrow record batches, streamed: each batch is decoded as it arrives and none is
   * kept, so results larger than memory pass through. Reattaches when the server ends a stream.
   */
  async *toArrowBatches(options: ExecuteOptions = {}): AsyncGenerator<RecordBatch> {
    const decoder = new ArrowBatchDecoder(this.session.client.endpoint);
    for await (const response of executePlan(this.session.client, this.plan(), options)) {
      if (response.responseType.case === 'arrowBatch') {
        for (const batch of decoder.decode(response.responseType.value.data)) yield batch;
      }
    }
  }

  /** The whole result as one apache-arrow Table. */
  async toArrow(options: ExecuteOptions = {}): Promise<Table> {
    const batches: RecordBatch[] = [];
    for await (const batch of this.toArrowBatches(options)) batches.push(batch);
    if (batches.length === 0) return new Table();
    return new Table(batches);
  }

  /** All rows as plain objects. */
  async collect(options: CallOptions = {}): Promise<Row[]> {
    const table = await this.toArrow(options);
    return table.toArray().map((row) => (row as { toJSON(): Row }).toJSON());
  }

  async take(n: number, options: CallOptions = {}): Promise<Row[]> {
    return this.limit(n).collect(options);
  }

  async first(options: CallOptions = {}): Promise<Row | undefined> {
    return (await this.take(1, options))[0];
  }

  async count(options: CallOptions = {}): Promise<number> {
    const rows = await this.groupBy().agg(call('count', [lit(1)]).alias('count')).collect(options);
    return Number(rows[0]?.count ?? 0);
  }

  async isEmpty(options: CallOptions = {}): Promise<boolean> {
    return (await this.take(1, options)).length === 0;
  }

  /** The result's schema (AnalyzePlan). */
  async schema(options: CallOptions = {}): Promise<StructType> {
    const response = await this.session.client.analyze({ case: 'schema', value: { plan: this.plan() } }, options);
    return toStructType(response.result.case === 'schema' ? response.result.value.schema : undefined);
  }

  async columns(options: CallOptions = {}): Promise<string[]> {
    return (await this.schema(options)).names;
  }

  /** The plan as Spark explains it; PySpark prints this text. */
  async explain(mode: ExplainMode | boolean = 'simple', options: CallOptions = {}): Promise<string> {
    const name = mode === true ? 'extended' : mode === false ? 'simple' : mode;
    const modes: Record<ExplainMode, AnalyzePlanRequest_Explain_ExplainMode> = {
      simple: AnalyzePlanRequest_Explain_ExplainMode.SIMPLE,
      extended: AnalyzePlanRequest_Explain_ExplainMode.EXTENDED,
      codegen: AnalyzePlanRequest_Explain_ExplainMode.CODEGEN,
      cost: AnalyzePlanRequest_Explain_ExplainMode.COST,
      formatted: AnalyzePlanRequest_Explain_ExplainMode.FORMATTED,
    };
    if (modes[name] === undefined) throw new MlopsError('INVALID_ARGUMENT', `explain: unknown mode ${JSON.stringify(mode)}; expected ${Object.keys(modes).join(', ')}`, {});
    const response = await this.session.client.analyze({ case: 'explain', value: { plan: this.plan(), explainMode: modes[name] } }, options);
    return response.result.case === 'explain' ? response.result.value.explainString : '';
  }

  /** The schema as a tree, as PySpark's printSchema() prints it. */
  async printSchema(options: CallOptions = {}): Promise<string> {
    const response = await this.session.client.analyze({ case: 'treeString', value: { plan: this.plan() } }, options);
    return response.result.case === 'treeString' ? response.result.value.treeString : '';
  }

  /** The first n rows as the table text PySpark's show() prints (returned, not printed). */
  async show(n = 20, truncate: boolean | number = true, options: CallOptions & { vertical?: boolean } = {}): Promise<string> {
    const rows = await this.derive({
      case: 'showString',
      value: { input: this.relation, numRows: n, truncate: truncate === true ? 20 : truncate === false ? 0 : truncate, vertical: options.vertical ?? false },
    }).collect(options);
    return String(rows[0]?.show_string ?? '');
  }

  /** Registers this DataFrame as a temporary view of the session. */
  async createOrReplaceTempView(name: string, options: CallOptions = {}): Promise<void> {
    await this.session.runCommand(
      { commandType: { case: 'createDataframeView', value: { input: this.relation, name, isGlobal: false, replace: true } } },
      options,
    );
  }
}

/** The result of groupBy: aggregate it with agg(), or count(). */
export class GroupedData {
  readonly #df: DataFrame;
  readonly #keys: Column[];

  constructor(df: DataFrame, keys: Column[]) {
    this.#df = df;
    this.#keys = keys;
  }

  /** Aggregates per group: agg(avg('x'), count('*')), or a map of column → function name. */
  agg(...exprs: (Column | Record<string, string>)[]): DataFrame {
    const columns = exprs.flatMap((e) => (e instanceof Column ? [e] : Object.entries(e).map(([name, fn]) => call(fn, [toColumnByName(name)]).alias(`${fn}(${name})`))));
    if (columns.length === 0) throw new MlopsError('INVALID_ARGUMENT', 'agg: expected at least one aggregate expression', {});
    return this.#df.derive({
      case: 'aggregate',
      value: {
        input: this.#df.relation,
        groupType: Aggregate_GroupType.GROUPBY,
        groupingExpressions: this.#keys.map((k) => k.expression),
        aggregateExpressions: columns.map((c) => c.expression),
      },
    });
  }

  count(): DataFrame {
    return this.agg(call('count', [lit(1)]).alias('count'));
  }
}
