import { randomUUID } from 'node:crypto';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { tableFromArrays } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutePlanRequestSchema, ExecutePlanResponseSchema } from '../../../src/spark/gen/spark/connect/base_pb.js';
import { ExecutePlanResponseReader } from '../../../src/spark/response-reader.js';
import { col, expr, functions as F, lit, SparkConnectError, SparkSession } from '../../../src/spark/index.js';
import { startSparkConnect, type SparkConnectServer } from '../helpers/spark-connect.js';

// One real Spark Connect server (PySpark's jars, local[2]) for the whole file.
let server: SparkConnectServer;
let spark: SparkSession;

beforeAll(async () => {
  // 3 GiB of driver heap: the server turns the 100 MiB createDataFrame into rows in memory.
  server = await startSparkConnect({ conf: { 'spark.driver.memory': '3g' } });
  spark = await SparkSession.builder().remote(server.url).getOrCreate();
});

afterAll(async () => {
  await spark?.stop();
  await server?.stop();
});

describe('SparkSession on a real Spark Connect server', () => {
  it('getOrCreate reads SPARK_REMOTE, returns the running session, and knows the version', async () => {
    const again = await SparkSession.builder().getOrCreate({ env: { SPARK_REMOTE: server.url } });
    expect(again).toBe(spark);
    expect(spark.version).toMatch(/^4\.\d+\.\d+/);
  });

  it('conf.set / conf.get', async () => {
    await spark.conf.set('spark.sql.shuffle.partitions', 3);
    expect(await spark.conf.get('spark.sql.shuffle.partitions')).toBe('3');
    expect(await spark.conf.get('spark.mlops.unset', 'fallback')).toBe('fallback');
    expect(await spark.conf.getOption('spark.mlops.unset')).toBeUndefined();
  });

  it('range, count, collect, toArrow, schema', async () => {
    const df = spark.range(5, 15, 2);
    expect(await df.count()).toBe(5);
    expect((await df.collect()).map((r) => r.id)).toEqual([5n, 7n, 9n, 11n, 13n]);
    const table = await df.toArrow();
    expect(table.numRows).toBe(5);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['id']);
    expect(await df.schema()).toMatchObject({ fields: [{ name: 'id', dataType: 'bigint', nullable: false }] });
  });

  it('the server\'s own ExecutePlan responses: ArrowBatch ones are read by hand exactly as the generated decoder reads them', async () => {
    await spark.conf.set('spark.sql.execution.arrow.maxRecordsPerBatch', 7);
    try {
      const df = spark.range(20).selectExpr('id', 'CAST(id AS DOUBLE) / 3 AS d', "concat('r', id) AS s", 'IF(id % 4 = 1, NULL, id) AS n');
      // Not reattachable: the server ends the stream after the last response (no ResultComplete).
      const request = create(ExecutePlanRequestSchema, { ...spark.client.base(), operationId: randomUUID(), plan: df.plan() });
      const reader = new ExecutePlanResponseReader();
      const kinds: string[] = [];
      const rowCounts: bigint[] = [];
      for await (const bytes of spark.client.rawServerStream('ExecutePlan', toBinary(ExecutePlanRequestSchema, request))) {
        const generated = fromBinary(ExecutePlanResponseSchema, bytes);
        kinds.push(generated.responseType.case ?? 'none'); // arrowBatch, executionProgress, metrics-only
        const ours = reader.readArrowBatch(bytes);
        if (generated.responseType.case === 'arrowBatch') rowCounts.push(generated.responseType.value.rowCount);
        if (generated.responseType.case === 'arrowBatch' && generated.metrics === undefined) expect(ours).toStrictEqual(generated);
        expect(reader.read(bytes)).toStrictEqual(generated);
      }
      // Batches of at most 7 rows per partition (local[2]: two partitions of 10 rows: 7 + 3 each).
      expect(rowCounts.length).toBeGreaterThanOrEqual(3);
      expect(rowCounts.every((n) => n <= 7n)).toBe(true);
      expect(rowCounts.reduce((a, b) => a + b, 0n)).toBe(20n);
      expect(kinds.some((k) => k !== 'arrowBatch')).toBe(true); // the other responses were compared too
    } finally {
      await spark.conf.unset('spark.sql.execution.arrow.maxRecordsPerBatch');
    }
  });

  it('sql with named and positional arguments; DDL runs eagerly', async () => {
    const named = await spark.sql('SELECT :a + 1 AS x, :s AS s', { a: 41, s: 'hi' });
    expect(await named.collect()).toEqual([{ x: 42, s: 'hi' }]);
    const positional = await spark.sql('SELECT ? * 2 AS y', [21]);
    expect(await positional.collect()).toEqual([{ y: 42 }]);
    await spark.sql('CREATE TABLE eager_t (a INT) USING parquet');
    expect(await spark.catalog.tableExists('eager_t')).toBe(true);
  });

  it('select, selectExpr, filter/where, withColumn, withColumnRenamed, drop, limit, orderBy', async () => {
    const df = spark
      .range(10)
      .withColumn('sq', col('id').multiply(col('id')))
      .withColumn('label', F.when(col('id').mod(2).eq(0), 'even').otherwise('odd'))
      .filter(col('id').ge(2))
      .where('id < 8')
      .withColumnRenamed('id', 'n')
      .selectExpr('n', 'sq', 'label', 'n + 100 AS big')
      .drop('big')
      .orderBy(col('n').desc())
      .limit(3);
    expect(await df.collect()).toEqual([
      { n: 7n, sq: 49n, label: 'odd' },
      { n: 6n, sq: 36n, label: 'even' },
      { n: 5n, sq: 25n, label: 'odd' },
    ]);
    const selected = await spark.range(3).select(col('id'), lit('x').alias('c'), expr('id * 10 AS t')).collect();
    expect(selected).toEqual([{ id: 0n, c: 'x', t: 0n }, { id: 1n, c: 'x', t: 10n }, { id: 2n, c: 'x', t: 20n }]);
  });

  it('groupBy().agg(), join, union, distinct', async () => {
    const grouped = await spark
      .range(12)
      .withColumn('k', col('id').mod(3))
      .groupBy('k')
      .agg(F.count('*').alias('n'), F.sum('id').alias('total'), F.avg('id').alias('mean'))
      .orderBy('k')
      .collect();
    expect(grouped).toEqual([
      { k: 0n, n: 4n, total: 18n, mean: 4.5 },
      { k: 1n, n: 4n, total: 22n, mean: 5.5 },
      { k: 2n, n: 4n, total: 26n, mean: 6.5 },
    ]);
    const names = await spark.createDataFrame(tableFromArrays({ id: BigInt64Array.from([1n, 2n, 9n]), name: ['one', 'two', 'nine'] }));
    const joined = await spark.range(4).join(names, 'id').orderBy('id').collect();
    expect(joined).toEqual([{ id: 1n, name: 'one' }, { id: 2n, name: 'two' }]);
    const left = await spark.range(4).join(names, 'id', 'left').orderBy('id').collect();
    expect(left.map((r) => r.name)).toEqual([null, 'one', 'two', null]);
    expect(await spark.range(3).union(spark.range(2)).count()).toBe(5);
    expect(await spark.range(3).union(spark.range(2)).distinct().count()).toBe(3);
  });

  it('explain and show return the text PySpark prints', async () => {
    const df = spark.range(3).filter('id > 0');
    expect(await df.explain()).toMatch(/== Physical Plan ==[\s\S]*Filter/);
    expect(await df.show()).toBe('+---+\n| id|\n+---+\n|  1|\n|  2|\n+---+\n');
    expect(await df.printSchema()).toContain('|-- id: long (nullable = false)');
  });

  it('write.saveAsTable / insertInto / partitionBy / save, then read.table / parquet / csv / json / load with a schema', async () => {
    const df = spark.range(6).withColumn('part', col('id').mod(2)).withColumn('name', F.concat(lit('n'), col('id').cast('string')));
    await df.write.mode('overwrite').format('parquet').partitionBy('part').saveAsTable('written');
    expect(await spark.table('written').count()).toBe(6);
    await spark.range(2).select(col('id').plus(100).alias('id'), lit(1n).alias('part'), lit('extra').alias('name')).select('id', 'name', 'part').write.insertInto('written');
    expect(await spark.table('written').where('part = 1').count()).toBe(5);
    await expect(df.write.mode('error').saveAsTable('written')).rejects.toMatchObject({ errorClass: 'TABLE_OR_VIEW_ALREADY_EXISTS' });

    const dir = `${server.workDir}/files`;
    await df.write.mode('overwrite').parquet(`${dir}/p`);
    await df.write.mode('overwrite').option('header', true).csv(`${dir}/c`);
    await df.write.mode('overwrite').format('json').save(`${dir}/j`);
    expect(await spark.read.parquet(`${dir}/p`).count()).toBe(6);
    expect(await spark.read.json(`${dir}/j`).count()).toBe(6);
    const csv = spark.read.format('csv').schema('id BIGINT, part BIGINT, name STRING').option('header', true).load(`${dir}/c`);
    expect(await csv.schema()).toMatchObject({ names: ['id', 'part', 'name'] });
    expect((await csv.orderBy('id').first())).toEqual({ id: 0n, part: 0n, name: 'n0' });
    // Without option('header') each file's header line is a row.
    expect(await spark.read.csv(`${dir}/c`).count()).toBeGreaterThan(6);
    expect(await spark.read.option('header', true).csv(`${dir}/c`).count()).toBe(6);
  });

  it('catalog.tableExists and listTables', async () => {
    await spark.range(1).write.mode('overwrite').saveAsTable('listed_t');
    expect(await spark.catalog.tableExists('listed_t')).toBe(true);
    expect(await spark.catalog.tableExists('no_such_table')).toBe(false);
    const tables = await spark.catalog.listTables();
    expect(tables.map((t) => t.name)).toContain('listed_t');
    expect(tables.find((t) => t.name === 'listed_t')).toMatchObject({ tableType: 'MANAGED', isTemporary: false });
  });

  it('a missing table is TABLE_OR_VIEW_NOT_FOUND / 42P01 naming the table, with details on demand', async () => {
    const error = (await spark.table('no_such_table').count().catch((e: unknown) => e)) as SparkConnectError;
    expect(error).toBeInstanceOf(SparkConnectError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', errorClass: 'TABLE_OR_VIEW_NOT_FOUND', sqlState: '42P01' });
    expect(error.message).toContain('no_such_table');
    expect(error.messageParameters.relationName).toContain('no_such_table');
    expect(error.errorId).toBeTruthy();
    const details = await error.fetchDetails();
    expect(details.errors.length).toBeGreaterThan(0);
    expect(details.errors[details.rootErrorIdx ?? 0]!.sparkThrowable?.errorClass).toBe('TABLE_OR_VIEW_NOT_FOUND');
  });

  it('SQL errors: a parse error and a division by zero under ANSI mode', async () => {
    await expect(spark.sql('SELEC 1')).rejects.toMatchObject({ errorClass: 'PARSE_SYNTAX_ERROR', sqlState: '42601' });
    await expect(spark.range(1).select(expr('1 / 0')).collect()).rejects.toMatchObject({ errorClass: 'DIVIDE_BY_ZERO', sqlState: '22012' });
    await expect(spark.range(1).select('missing_col').collect()).rejects.toMatchObject({ errorClass: 'UNRESOLVED_COLUMN.WITH_SUGGESTION' });
  });

  it('cancel mid-query: the abort ends the call as ABORTED quickly, the server interrupts it, the session goes on', async () => {
    const controller = new AbortController();
    // sum(id % 7) never overflows (sum(id * id) did, within 0.3 s on a quiet machine, under ANSI mode).
    const slow = spark.range(0, 50_000_000_000, 1, 2).selectExpr('sum(id % 7) AS s');
    const started = Date.now();
    setTimeout(() => controller.abort(), 1_500);
    await expect(slow.collect({ signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await spark.range(3).count()).toBe(3);
  });

  it('createDataFrame: small data inline, 100 MiB through AddArtifacts + CachedLocalRelation', async () => {
    const rows = 3_300_000; // four float64 columns: 32 bytes a row, about 100.7 MiB of Arrow data
    const column = () => Float64Array.from({ length: rows }, (_, i) => i * 0.5);
    const big = await spark.createDataFrame(tableFromArrays({ v: column(), w: column(), x: column(), y: column() }));
    expect(big.relation.relType.case).toBe('cachedLocalRelation');
    const [summary] = await big.agg(F.count('*').alias('n'), F.sum('v').alias('s'), F.max('v').alias('m')).collect();
    expect(summary).toEqual({ n: BigInt(rows), s: (rows - 1) * rows * 0.25, m: (rows - 1) * 0.5 });
    const small = await spark.createDataFrame(tableFromArrays({ x: Int32Array.from([3, 1, 2]) }));
    expect(small.relation.relType.case).toBe('localRelation');
    expect((await small.orderBy('x').collect()).map((r) => r.x)).toEqual([1, 2, 3]);
  });

  it('stop() releases the session: the server closes it and refuses its id afterwards', async () => {
    const other = await SparkSession.builder().remote(server.url).create();
    await other.conf.set('spark.mlops.marker', 'x');
    const id = other.sessionId;
    await other.stop();
    await expect(SparkSession.builder().remote(`${server.url}/;session_id=${id}`).create()).rejects.toMatchObject({
      errorClass: 'INVALID_HANDLE.SESSION_CLOSED',
    });
  });
});
