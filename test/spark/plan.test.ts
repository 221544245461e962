import { toJson } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { SparkConnectClient } from '../../src/spark/client.js';
import { col, expr, lit } from '../../src/spark/column.js';
import { parseConnectionString } from '../../src/spark/connection-string.js';
import { avg, count, when } from '../../src/spark/functions.js';
import { RelationSchema } from '../../src/spark/gen/spark/connect/relations_pb.js';
import { SparkSession } from '../../src/spark/session.js';
import type { DataFrame } from '../../src/spark/dataframe.js';

// Plans are built locally; nothing is sent until an action, so no server is needed here.
const spark = new SparkSession(new SparkConnectClient({ connection: parseConnectionString('sc://127.0.0.1:1') }), 'test', 'sc://127.0.0.1:1');
const json = (df: DataFrame): any => toJson(RelationSchema, df.relation);

describe('DataFrame plans', () => {
  it('stacks transformations as relations with increasing plan ids', () => {
    const df = spark.table('main.iris').filter(col('petal_length').gt(1.5)).select('species', col('sepal_width').alias('w')).limit(10);
    const plan = json(df);
    expect(plan.limit.limit).toBe(10);
    expect(plan.limit.input.project.expressions[0]).toEqual({ unresolvedAttribute: { unparsedIdentifier: 'species' } });
    expect(plan.limit.input.project.expressions[1].alias.name).toEqual(['w']);
    const filter = plan.limit.input.project.input.filter;
    expect(filter.condition.unresolvedFunction.functionName).toBe('>');
    expect(filter.condition.unresolvedFunction.arguments[1]).toEqual({ literal: { double: 1.5 } });
    expect(filter.input.read.namedTable.unparsedIdentifier).toBe('main.iris');
    const ids = [plan.common.planId, plan.limit.input.common.planId, filter.input.common.planId].map(Number);
    expect(ids[0]).toBeGreaterThan(ids[1]!);
    expect(ids[1]).toBeGreaterThan(ids[2]!);
  });

  it('literals: int, long, double, string, boolean, null, timestamp', () => {
    const lits = [1, 2 ** 40, 0.5, 'x', true, null, new Date(1000)].map((v) => json(spark.range(1).select(lit(v))).project.expressions[0].literal);
    expect(lits).toEqual([{ integer: 1 }, { long: String(2 ** 40) }, { double: 0.5 }, { string: 'x' }, { boolean: true }, { null: { null: {} } }, { timestamp: '1000000' }]);
  });

  it('groupBy/agg, orderBy, join, union, distinct, withColumn(Renamed), drop, selectExpr', () => {
    const left = spark.range(10);
    const agg = json(left.groupBy('id').agg(avg('id').alias('a'), count('*'))).aggregate;
    expect(agg.groupType).toBe('GROUP_TYPE_GROUPBY');
    expect(agg.groupingExpressions).toHaveLength(1);
    expect(agg.aggregateExpressions[1].unresolvedFunction).toEqual({ functionName: 'count', arguments: [{ unresolvedStar: {} }] });
    const sort = json(left.orderBy(col('id').desc(), 'x')).sort;
    expect(sort.order.map((o: any) => o.direction)).toEqual(['SORT_DIRECTION_DESCENDING', 'SORT_DIRECTION_ASCENDING']);
    expect(json(left.join(spark.range(3), 'id', 'left')).join).toMatchObject({ joinType: 'JOIN_TYPE_LEFT_OUTER', usingColumns: ['id'] });
    expect(json(left.union(left)).setOp).toMatchObject({ setOpType: 'SET_OP_TYPE_UNION', isAll: true });
    expect(json(left.distinct()).deduplicate.allColumnsAsKeys).toBe(true);
    expect(json(left.withColumn('y', when(col('id').gt(1), 'big').otherwise('small'))).withColumns.aliases[0].name).toEqual(['y']);
    expect(json(left.withColumnRenamed('id', 'n')).withColumnsRenamed.renames).toEqual([{ colName: 'id', newColName: 'n' }]);
    expect(json(left.drop('id')).drop.columnNames).toEqual(['id']);
    expect(json(left.selectExpr('id * 2 AS d')).project.expressions[0]).toEqual({ expressionString: { expression: 'id * 2 AS d' } });
    expect(json(left.filter('id > 3')).filter.condition).toEqual(json(left.filter(expr('id > 3'))).filter.condition);
  });

  it('reader: format, schema, options, paths', () => {
    const read = json(spark.read.format('csv').schema('a INT, b STRING').option('header', true).load(['/x', '/y'])).read.dataSource;
    expect(read).toEqual({ format: 'csv', schema: 'a INT, b STRING', options: { header: 'true' }, paths: ['/x', '/y'] });
    expect(json(spark.read.parquet('/p')).read.dataSource.format).toBe('parquet');
  });

  it('rejects bad input with a clear message', () => {
    expect(() => spark.range(1).limit(-1)).toThrow('limit(-1)');
    expect(() => spark.range(1).join(spark.range(1), 'id', 'sideways' as never)).toThrow('unknown join type "sideways"');
    expect(() => spark.range(1).write.mode('sometimes' as never)).toThrow('unknown save mode');
    expect(() => lit({} as never)).toThrow('lit()');
  });
});
