// One local Spark Connect server for the Spark benchmarks: the interop tests' server
// (interop/spark-server.mjs: the same script and conf), from the interop env's PySpark.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readyVersion, SERVE_SCRIPT, SERVER_ENV, serverConf } from '../interop/spark-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PYTHON = path.join(ROOT, '.interop', 'envs', 'mlflow3', 'bin', 'python');

/**
 * The PySpark (Spark Connect) side of the Spark benchmarks, run with `-c` as
 * `<url> <what> <payload JSON file>`: prepare (the input tables, Iris-like random rows), selectExpr
 * (case (b)), spark_udf (case (c)), count. Prints its timing (or the count) as the last JSON line.
 */
export const BENCH_PYSPARK = String.raw`
import json, sys, time
from pyspark.sql import SparkSession
url, what, payload = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
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
    frame = spark.table(payload["input"])
    for projection in payload["projections"]:
        frame = frame.selectExpr(*projection)
    frame.write.mode("overwrite").saveAsTable(payload["output"])
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

/**
 * Runs BENCH_PYSPARK's `what` against `url` (the payload goes in a file: the compiled expressions can
 * exceed what one argument may hold). With `timed`, under /usr/bin/time -v: its report is in `stderr`.
 * Resolves with the script's JSON, the process's wall seconds and its stderr.
 */
export async function runPySpark(url, what, payload, { env = {}, timed = false } = {}) {
  const file = path.join(os.tmpdir(), `bench-pyspark-${process.pid}-${what}.json`);
  await writeFile(file, JSON.stringify(payload));
  const command = timed ? ['/usr/bin/time', ['-v', PYTHON, '-c', BENCH_PYSPARK, url, what, file]] : [PYTHON, ['-c', BENCH_PYSPARK, url, what, file]];
  const t0 = performance.now();
  try {
    const { stdout, stderr } = await promisify(execFile)(command[0], command[1], { env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
    return { result: JSON.parse(stdout.trim().split('\n').at(-1)), wall: (performance.now() - t0) / 1000, stderr };
  } finally {
    await rm(file, { force: true });
  }
}

/**
 * The projections case (a) sends (selectExpr lists, run one after the other), for case (b) to run: the champion of `model` in the project
 * at `dir` compiled to Spark SQL by the built package (dist/), stamped now.
 */
export async function championScoreProjections(dir, env, model) {
  const { sparkScoreProjections } = await import(path.join(ROOT, 'dist', 'stages', 'score', 'on-spark.js'));
  const { loadConfig } = await import(path.join(ROOT, 'dist', 'config', 'load.js'));
  const { openWorkspace } = await import(path.join(ROOT, 'dist', 'workspace', 'open.js'));
  const { loadModel } = await import(path.join(ROOT, 'dist', 'stages', 'load-model.js'));
  const workspace = await openWorkspace(await loadConfig({ cwd: dir, target: 'spark', env }), { env });
  const { classifier, location } = await loadModel(workspace, `models:/${model}@champion`);
  try {
    const version = location.version.version;
    return sparkScoreProjections(classifier.describe(), { model: { name: model, version, uri: `models:/${model}/${version}` }, scoredAt: Date.now(), onInvalid: 'error' });
  } finally {
    classifier.dispose();
  }
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * Starts the server on a free port; resolves with its sc:// URL, its Spark version and stop(), which
 * ends the process group (SIGTERM, then SIGKILL) and removes its work folder.
 * `env` is added to the server's environment (e.g. what Spark's Python workers need); `conf` adds
 * Spark conf (e.g. the event log, to see what the server ran).
 */
export async function startSparkServer({ driverMemory = '4g', env = {}, conf = {} } = {}) {
  const port = await freePort();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'bench-spark-'));
  const full = serverConf({ port, workDir, extra: { 'spark.driver.memory': driverMemory, ...conf } });
  const proc = spawn(PYTHON, ['-c', SERVE_SCRIPT, JSON.stringify(full)], { cwd: workDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, ...SERVER_ENV } });
  proc.stderr.resume();
  let out = '';
  proc.stdout.on('data', (chunk) => (out += chunk));
  const deadline = Date.now() + 240_000;
  while (readyVersion(out) === undefined) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error('Spark Connect server did not start');
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url: `sc://127.0.0.1:${port}`,
    version: readyVersion(out),
    stop: async () => {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {}
      await new Promise((r) => setTimeout(r, 2000));
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {}
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
