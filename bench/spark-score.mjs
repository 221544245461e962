// Batch scoring on Spark (issue 15, point 4): one local Spark Connect server (pyspark's jars,
// local[2]); N rows (default 10M) from a Spark table into a Spark table, three ways, same run:
//   (a) mlops run batch_inference_job --target spark   (this CLI steering: the compiled SQL runs in Spark)
//   (b) PySpark (Spark Connect client) running the same compiled SQL through selectExpr
//   (c) mlflow.pyfunc.spark_udf on our registered model (a pandas UDF in Spark's Python workers)
// Reports wall time of each, the ratios, and (a)'s peak RSS (/usr/bin/time's maximum resident set).
// Needs `npm run build` and the interop env (`node interop/provision.mjs mlflow3`). Then:
//   node bench/spark-score.mjs [--rows 10000000] [--udf-rows 10000000]
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PYTHON, startSparkServer } from './spark-server.mjs';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const ROWS = Number(args.rows ?? 10_000_000);
const UDF_ROWS = Number(args['udf-rows'] ?? ROWS);
const MODEL = 'hp_az_catalog.hp_iris_ml.irisclassifierdemo';

const PYSPARK = String.raw`
import json, sys, time
from pyspark.sql import SparkSession
url, what, payload = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
spark = SparkSession.builder.remote(url).getOrCreate()
t0 = time.perf_counter()
if what == "prepare":
    spark.sql("CREATE DATABASE IF NOT EXISTS spark_catalog.hp_iris_ml")
    for name, rows in payload["tables"].items():
        spark.range(rows, numPartitions=4).selectExpr(
            "4.3E0 + rand(1) * 3.6E0 AS sepal_length", "2.0E0 + rand(2) * 2.4E0 AS sepal_width",
            "1.0E0 + rand(3) * 5.9E0 AS petal_length", "0.1E0 + rand(4) * 2.4E0 AS petal_width", "'x' AS species",
        ).write.mode("overwrite").saveAsTable(name)
elif what == "selectExpr":
    spark.table(payload["input"]).selectExpr(*payload["expressions"]).write.mode("overwrite").saveAsTable(payload["output"])
elif what == "spark_udf":
    import mlflow
    features = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    predict = mlflow.pyfunc.spark_udf(spark, payload["model_uri"], result_type="string", env_manager="local")
    spark.table(payload["input"]).withColumn("prediction", predict(*features)).write.mode("overwrite").saveAsTable(payload["output"])
elif what == "count":
    print(json.dumps({"rows": spark.table(payload["table"]).count()}))
    sys.exit(0)
print(json.dumps({"seconds": time.perf_counter() - t0}))
`;

async function pyspark(url, what, payload, env) {
  const { stdout } = await run(PYTHON, ['-c', PYSPARK, url, what, JSON.stringify(payload)], { env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

/** Our CLI under /usr/bin/time -v: wall seconds and maximum resident set size (MB). */
async function ours(dir, env, json) {
  const t0 = performance.now();
  const { stdout, stderr } = await run('/usr/bin/time', ['-v', process.execPath, CLI, 'run', 'batch_inference_job', '--target', 'spark', '-o', 'json', '--json', JSON.stringify(json)], { cwd: dir, env: { ...process.env, ...env, CI: 'true' }, maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1]);
  return { seconds, rssMb: rssKb / 1024, result: JSON.parse(stdout) };
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-spark-score-project-'));
  await cp(path.join(ROOT, 'mlops.yml'), path.join(dir, 'mlops.yml'));
  await mkdir(path.join(dir, 'data'), { recursive: true });
  await cp(path.join(ROOT, 'data', 'landing'), path.join(dir, 'data', 'landing'), { recursive: true });
  // A champion in the local workspace (the spark target shares it): the local pipeline trains and deploys it.
  await run(process.execPath, [CLI, 'run', 'pipeline_job', '--json', '{"epochs":"60"}'], { cwd: dir, env: { ...process.env, CI: 'true' } });
  const tracking = `sqlite:///${path.join(dir, '.mlops', 'mlflow.db')}`;
  const mlflowEnv = { MLFLOW_TRACKING_URI: tracking, MLFLOW_REGISTRY_URI: tracking };
  const server = await startSparkServer({ driverMemory: '3g', env: { ...mlflowEnv, PYSPARK_PYTHON: PYTHON } });
  const env = { SPARK_REMOTE: server.url };
  try {
    const input = 'spark_catalog.hp_iris_ml.bench_input';
    const udfInput = UDF_ROWS === ROWS ? input : 'spark_catalog.hp_iris_ml.bench_udf_input';
    await pyspark(server.url, 'prepare', { tables: { [input]: ROWS, ...(udfInput === input ? {} : { [udfInput]: UDF_ROWS }) } }, {});
    // The same expressions (a) sends: our compiled projection of the champion, from the built package.
    const { sparkScoreExpressions } = await import(path.join(ROOT, 'dist', 'stages', 'score', 'on-spark.js'));
    const { loadConfig } = await import(path.join(ROOT, 'dist', 'config', 'load.js'));
    const { openWorkspace } = await import(path.join(ROOT, 'dist', 'workspace', 'open.js'));
    const { loadModel } = await import(path.join(ROOT, 'dist', 'stages', 'load-model.js'));
    const workspace = await openWorkspace(await loadConfig({ cwd: dir, target: 'spark', env }), { env });
    const { classifier, location } = await loadModel(workspace, `models:/${MODEL}@champion`);
    const version = location.version.version;
    const expressions = sparkScoreExpressions(classifier.describe(), { model: { name: MODEL, version, uri: `models:/${MODEL}/${version}` }, scoredAt: Date.now(), onInvalid: 'error' });
    classifier.dispose();

    // Warm the JVM with a small unmeasured run of each.
    await pyspark(server.url, 'prepare', { tables: { 'spark_catalog.hp_iris_ml.bench_warm': 100_000 } }, {});
    await ours(dir, env, { input_table: 'hp_az_catalog.hp_iris_ml.bench_warm', output_table: 'bench_warm_a' });
    await pyspark(server.url, 'selectExpr', { input: 'spark_catalog.hp_iris_ml.bench_warm', output: 'spark_catalog.hp_iris_ml.bench_warm_b', expressions }, {});

    // MLflow 3 resolves models:/ in a SQLite store's mlflow-artifacts:/ only through a tracking server:
    // spark_udf gets the model's folder itself (the project's one registered version, the champion).
    const found = [];
    for (const entry of await readdir(path.join(dir, '.mlops', 'mlartifacts'), { recursive: true })) {
      if (entry.endsWith('MLmodel')) found.push({ dir: path.dirname(path.join(dir, '.mlops', 'mlartifacts', entry)), at: (await stat(path.join(dir, '.mlops', 'mlartifacts', entry))).mtimeMs });
    }
    const modelDir = found.sort((x, y) => y.at - x.at)[0].dir;
    const a = await ours(dir, env, { input_table: 'hp_az_catalog.hp_iris_ml.bench_input', output_table: 'bench_out_a' });
    console.log(JSON.stringify({ a_seconds: a.seconds, a_rss_mb: a.rssMb, rows: a.result.predictions?.rows }));
    const b = await pyspark(server.url, 'selectExpr', { input, output: 'spark_catalog.hp_iris_ml.bench_out_b', expressions }, {});
    console.log(JSON.stringify({ b_seconds: b.seconds }));
    const t0 = performance.now();
    await pyspark(server.url, 'spark_udf', { input: udfInput, output: 'spark_catalog.hp_iris_ml.bench_out_c', model_uri: modelDir }, mlflowEnv);
    const c = { seconds: (performance.now() - t0) / 1000 };
    const counts = await Promise.all(['bench_out_a', 'bench_out_b', 'bench_out_c'].map((t) => pyspark(server.url, 'count', { table: `spark_catalog.hp_iris_ml.${t}` }, {})));
    const perRow = (s, n) => (s / n) * 1e6;
    const report = {
      spark: server.version,
      rows: ROWS,
      udf_rows: UDF_ROWS,
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      a_mlops_seconds: +a.seconds.toFixed(2),
      a_peak_rss_mb: +a.rssMb.toFixed(1),
      a_result_rows: a.result.predictions?.rows,
      b_pyspark_selectExpr_seconds: +b.seconds.toFixed(2),
      c_spark_udf_seconds: +c.seconds.toFixed(2),
      a_over_b: +(a.seconds / b.seconds).toFixed(3),
      c_over_a_per_row: +(perRow(c.seconds, UDF_ROWS) / perRow(a.seconds, ROWS)).toFixed(2),
      output_rows: counts.map((x) => x.rows),
    };
    console.log(JSON.stringify(report, null, 2));
    await writeFile(path.join(os.tmpdir(), 'bench-spark-score.json'), JSON.stringify(report, null, 2));
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
