import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { SparkEngine } from '../../../src/engine/spark-engine.js';
import type { ClassifierDescription } from '../../../src/model/classifier.js';
import { silentReporter } from '../../../src/reporter.js';
import { SparkSession } from '../../../src/spark/index.js';
import { runEvaluate } from '../../../src/stages/evaluate/evaluate.js';
import { loadModel } from '../../../src/stages/load-model.js';
import { sqlString } from '../../../src/model/sql/literals.js';
import { sparkScoreProjections } from '../../../src/stages/score/on-spark.js';
import { projectAll } from '../../../src/stages/spark-table.js';
import { BatchScorer } from '../../../src/stages/score/score-batch.js';
import { openWorkspace } from '../../../src/workspace/open.js';
import { runCli } from '../helpers/pipeline.js';
import { startSparkConnect, type SparkConnectServer } from '../helpers/spark-connect.js';

/**
 * Issue 15 end to end on one real Spark Connect server (local[2]): the bundled `spark` target runs
 * pipeline_job with every table on Spark: ingest appends the landing files' rows to the ingested
 * table through Spark, train reads it from there, evaluate and score run on Spark; Spark's
 * predictions equal our scorer's; evaluation on Spark equals the local evaluation.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const INGESTED = 'hp_az_catalog.hp_iris_ml.iris_ingested';
const PREDICTIONS = 'hp_az_catalog.hp_iris_ml.iris_predictions';

let server: SparkConnectServer;
let spark: SparkSession;
let dir: string;
let env: Record<string, string>;
let pipeline: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  server = await startSparkConnect();
  spark = await SparkSession.builder().remote(server.url).create();
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-spark-pipeline-'));
  await cp(path.join(ROOT, 'mlops.yml'), path.join(dir, 'mlops.yml'));
  await mkdir(path.join(dir, 'data'), { recursive: true });
  await cp(path.join(ROOT, 'data', 'landing'), path.join(dir, 'data', 'landing'), { recursive: true });
  env = { SPARK_REMOTE: server.url };

  pipeline = await runCli(['run', 'pipeline_job', '--target', 'spark', '-o', 'json', '--json', JSON.stringify({ epochs: '40' })], { cwd: dir, env });
  // A JVM start and a whole pipeline: on a loaded 2-core machine more than the suite's default hook timeout.
}, 900_000);

afterAll(async () => {
  await spark?.stop();
  await server?.stop();
});

describe('pipeline_job --target spark on a real Spark Connect server', () => {
  it('bundle validate connects and reports the Spark version', async () => {
    const run = await runCli(['bundle', 'validate', '--target', 'spark'], { cwd: dir, env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`engine\\.spark: Spark 4\\.\\d+\\.\\d+ at ${server.url.replace(/[.]/g, '\\.')} \\(from SPARK_REMOTE\\); catalogs mapped to spark_catalog`));
  });

  it('trains from the Spark table, evaluates and scores on Spark: predictions { table, rows } and the table is in Spark', async () => {
    expect(pipeline.code, pipeline.stderr.slice(-4000)).toBe(0);
    const result = JSON.parse(pipeline.stdout) as { status: string; predictions: { table: string; rows: number; path: string }; evaluation: { metrics: Record<string, number>; dataset_rows: number } };
    expect(result.status).toBe('succeeded');
    expect(result.predictions).toMatchObject({ table: PREDICTIONS, rows: 150, path: 'spark_catalog.hp_iris_ml.iris_predictions' });
    expect(result.evaluation.dataset_rows).toBe(30);
    expect(await spark.table('spark_catalog.hp_iris_ml.iris_predictions').count()).toBe(150);
    // Ingest appended the landing files' 150 rows to the ingested table in Spark, with their lineage.
    expect(await spark.table('spark_catalog.hp_iris_ml.iris_ingested').count()).toBe(150);
    expect(Number((await (await spark.sql('SELECT COUNT(DISTINCT _source_file) AS n FROM spark_catalog.hp_iris_ml.iris_ingested')).collect())[0]!.n)).toBe(3);
    expect(await spark.table('spark_catalog.hp_iris_ml.iris_predictions').columns()).toEqual([
      'sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'prediction',
      'probability_setosa', 'probability_versicolor', 'probability_virginica', 'model_name', 'model_version', 'scored_at',
    ]);
    // Nothing was written to the local workspace's tables: the predictions live only in Spark.
    const config = await loadConfig({ cwd: dir, target: 'spark', env });
    const workspace = await openWorkspace(config, { env });
    expect(await workspace.tables.exists(PREDICTIONS)).toBe(false);
  });

  it("Spark's predictions equal our local scorer's: labels equal, probabilities within 1e-5", async () => {
    expect(pipeline.code).toBe(0);
    const config = await loadConfig({ cwd: dir, target: 'spark', env });
    const workspace = await openWorkspace(config, { env });
    const { classifier } = await loadModel(workspace, 'models:/hp_az_catalog.hp_iris_ml.irisclassifierdemo@champion');
    try {
      const table = await spark.sql('SELECT * FROM spark_catalog.hp_iris_ml.iris_predictions ORDER BY sepal_length, sepal_width, petal_length, petal_width').then((df) => df.toArrow());
      const scorer = new BatchScorer({ classifier, modelName: 'm', modelVersion: '1', scoredAt: 0, onInvalid: 'error' });
      let checked = 0;
      for (const batch of table.batches) {
        const local = scorer.score(batch, { source: 'spark predictions', firstRow: checked + 1 });
        for (let row = 0; row < batch.numRows; row++) {
          expect(String(batch.getChild('prediction')!.get(row))).toBe(String(local.getChild('prediction')!.get(row)));
          for (const label of classifier.labels) {
            const column = `probability_${label}`;
            expect(Math.abs(Number(batch.getChild(column)!.get(row)) - Number(local.getChild(column)!.get(row)))).toBeLessThan(1e-5);
          }
        }
        checked += batch.numRows;
      }
      expect(checked).toBe(150);
    } finally {
      classifier.dispose();
    }
  });

  it("the Iris model's projections compile to methods the JVM optimises: Spark's generated code stays under HotSpot's 8,000-byte method limit", async () => {
    expect(pipeline.code).toBe(0);
    const config = await loadConfig({ cwd: dir, target: 'spark', env });
    const workspace = await openWorkspace(config, { env });
    const { classifier, location } = await loadModel(workspace, 'models:/hp_az_catalog.hp_iris_ml.irisclassifierdemo@champion');
    try {
      const model = { name: 'hp_az_catalog.hp_iris_ml.irisclassifierdemo', version: location.version?.version ?? '1', uri: 'models:/hp_az_catalog.hp_iris_ml.irisclassifierdemo@champion' };
      const projections = sparkScoreProjections(classifier.describe(), { model, scoredAt: Date.now(), onInvalid: 'error' });
      const text = await projectAll(spark.table('spark_catalog.hp_iris_ml.iris_ingested'), projections).explain('codegen');
      // Spark reports each generated subtree's largest method; -1 when Janino could not compile it
      // (the standalone expressions' code grew beyond 64 KB, and Spark ran the projection interpreted).
      const sizes = [...text.matchAll(/maxMethodCodeSize:(-?\d+)/g)].map((match) => Number(match[1]));
      expect(sizes.length).toBeGreaterThan(0);
      for (const size of sizes) {
        expect(size).toBeGreaterThan(0);
        expect(size).toBeLessThanOrEqual(8000);
      }
    } finally {
      classifier.dispose();
    }
  });

  it('string literals of the compiled SQL read back in Spark as written: quotes and backslashes (labels, model names)', async () => {
    const values = ["it's", 'C:\\new\\b', "a\\'b", '\\\\', "''", 'x\ny'];
    const [row] = await (await spark.sql(`SELECT ${values.map((value, i) => `${sqlString(value, 'spark')} AS v${i}`).join(', ')}`)).collect();
    expect(values.map((_, i) => row![`v${i}`])).toEqual(values);
  });

  it('two runs of one model on Spark run the same generated code, and scored_at is each run\'s instant', async () => {
    // A one-feature softmax model keeps the generated code small; the point is what changes between runs.
    const description = {
      featureNames: ['x'],
      inputs: [{ name: 'x', kind: 'numeric' }],
      labels: ['a', 'b'],
      labelColumn: 'label',
      normalization: { mean: [0], std: [1] },
      layers: [{ units: 2, inputUnits: 1, activation: 'softmax', kernel: [1, -1], bias: [0, 0.5] }],
    } as unknown as ClassifierDescription;
    const model = { name: 'c.s.m', version: '1', uri: 'models:/c.s.m/1' };
    // A range, not VALUES: a projection of a local relation is computed while planning, with no generated code.
    const input = spark.range(2).selectExpr('IF(id = 1, NULL, CAST(id AS DOUBLE)) AS x');
    const projection = (scoredAt: number) => projectAll(input, sparkScoreProjections(description, { model, scoredAt, onInvalid: 'null' }));
    const [first, second] = [Date.UTC(2026, 11, 6, 6, 0, 0, 1), Date.UTC(2026, 11, 7, 6, 0, 0, 2)];
    // Spark compiles (and the JVM optimises) a stage's code once per distinct text: a per-run literal in it would make every run start cold.
    const code = async (scoredAt: number) => {
      const text = await projection(scoredAt).explain('codegen');
      return text.slice(text.indexOf('Generated code:'));
    };
    const [codeFirst, codeSecond] = await Promise.all([code(first), code(second)]);
    expect(codeFirst).toContain('processNext');
    expect(codeSecond).toBe(codeFirst);
    // The row with a null feature (on_invalid null) is stamped too.
    const stamps = await projection(second).selectExpr('unix_millis(scored_at) AS ms').collect();
    expect(stamps.map((row) => Number(row.ms))).toEqual([second, second]);
  });

  it('evaluation in Spark SQL equals the local evaluation: every metric and the confusion matrix', async () => {
    expect(pipeline.code).toBe(0);
    const config = await loadConfig({ cwd: dir, target: 'spark', env });
    const workspace = await openWorkspace(config, { env });
    const version = (await workspace.registry.getModelVersionByAlias('hp_az_catalog.hp_iris_ml.irisclassifierdemo', 'champion')).version;
    const model = { name: 'hp_az_catalog.hp_iris_ml.irisclassifierdemo', version, uri: `models:/hp_az_catalog.hp_iris_ml.irisclassifierdemo/${version}` };
    const base = { workspace, config, reporter: silentReporter, now: Date.now };
    const engine = new SparkEngine({ spec: { remote: server.url }, sessionCatalog: 'spark_catalog' });
    try {
      const onSpark = await runEvaluate({ ...base, spark: engine }, { model, experimentPath: '/Shared/spark-eval' });
      const local = await runEvaluate(base, { model, experimentPath: '/Shared/local-eval' });
      expect(onSpark.confusion_matrix).toEqual(local.confusion_matrix);
      expect(onSpark.dataset_digest).toBe(local.dataset_digest);
      expect(Object.keys(onSpark.metrics).sort()).toEqual(Object.keys(local.metrics).sort());
      for (const [key, value] of Object.entries(local.metrics)) expect(onSpark.metrics[key], key).toBeCloseTo(value, 6);
      const params = (await workspace.tracking.getRun(onSpark.run_id)).data.params;
      expect(params.eval_engine).toMatch(/^spark 4\./);
    } finally {
      await engine.stop();
    }
  });

  it('batch_inference_job on Spark: input_table, append, partition_by and on_invalid null, written by Spark', async () => {
    expect(pipeline.code).toBe(0);
    const json = { input_table: INGESTED, output_table: 'iris_parts', mode: 'append', partition_by: 'prediction', on_invalid: 'null' };
    for (let i = 0; i < 2; i++) {
      const run = await runCli(['run', 'batch_inference_job', '--target', 'spark', '-o', 'json', '--json', JSON.stringify(json)], { cwd: dir, env });
      expect(run.code, run.stderr.slice(-3000)).toBe(0);
      expect((JSON.parse(run.stdout) as { predictions: unknown }).predictions).toMatchObject({ table: 'hp_az_catalog.hp_iris_ml.iris_parts', rows: 150 });
    }
    expect(await spark.table('spark_catalog.hp_iris_ml.iris_parts').count()).toBe(300);
    const partitions = (await (await spark.sql('SHOW PARTITIONS spark_catalog.hp_iris_ml.iris_parts')).collect()).map((row) => String(Object.values(row)[0])).sort();
    expect(partitions).toEqual(['prediction=setosa', 'prediction=versicolor', 'prediction=virginica']);
    const reasons = await (await spark.sql('SELECT COUNT(*) AS n FROM spark_catalog.hp_iris_ml.iris_parts WHERE invalid_reason IS NOT NULL')).collect();
    expect(Number(reasons[0]!.n)).toBe(0);
  });
});
