// Batch scoring on Spark (issue 15, point 4): one local Spark Connect server (pyspark's jars,
// local[2]); N rows (default 10M) from a Spark table into a Spark table, three ways, same run:
//   (a) mlops run batch_inference_job --target spark   (this CLI steering: the compiled SQL runs in Spark)
//   (b) PySpark (Spark Connect client) running the same compiled SQL through selectExpr
//   (c) mlflow.pyfunc.spark_udf on our logged model (a pandas UDF in Spark's Python workers, which run
//       the interop env's python: PYSPARK_PYTHON is set on the server)
// Per case: wall time (the best of --rounds, default 2, for (a) and (b)), rows/s; for (a) this process's peak RSS (/usr/bin/time's maximum resident set
// of the whole CLI process, an upper bound of its RSS while Spark scores). (b) is timed twice: the
// write alone (from its session, as a notebook would), and its whole process (Python start, Spark
// Connect session, write), which is what (a)'s wall time covers.
// Needs `npm run build` and the interop env (`node interop/provision.mjs mlflow3`).
//
// The figures (10M rows, on a quiet machine; about 20-40 minutes; (c) on 1M rows and
// compared per row, see bench/RESULTS.md for the estimate of (c) at 10M, well over 10 minutes):
//   node bench/spark-score.mjs --rows 10000000 --udf-rows 1000000
// (c) on the full table too: --udf-rows 10000000.
// A reduced run: node bench/spark-score.mjs --rows 1000000 --udf-rows 200000
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { championScoreProjections, PYTHON, runPySpark, startSparkServer } from './spark-server.mjs';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The package's `mlops` bin (the bundled CLI), run through its shebang as a user runs it.
const CLI = path.join(ROOT, 'dist', 'cli', 'mlops.mjs');
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const ROWS = Number(args.rows ?? 10_000_000);
const UDF_ROWS = Number(args['udf-rows'] ?? Math.min(ROWS, 1_000_000));
// (a) and (b) run in rounds, in the order a b, then b a (so neither always runs on the warmer JVM); the best of each is compared.
const ROUNDS = Number(args.rounds ?? 2);
const MODEL = 'hp_az_catalog.hp_iris_ml.irisclassifierdemo';

async function pyspark(url, what, payload, env) {
  return (await runPySpark(url, what, payload, { env })).result;
}

/** Our CLI under /usr/bin/time -v: wall seconds and maximum resident set size (MB). */
async function ours(dir, env, json) {
  const t0 = performance.now();
  const { stdout, stderr } = await run('/usr/bin/time', ['-v', CLI, 'run', 'batch_inference_job', '--target', 'spark', '-o', 'json', '--json', JSON.stringify(json)], { cwd: dir, env: { ...process.env, ...env, CI: 'true' }, maxBuffer: 1 << 26 });
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
    // The same projections (a) sends: our compiled projections of the champion, from the built package.
    const projections = await championScoreProjections(dir, env, MODEL);

    // Warm the JVM with a small unmeasured run of each.
    await pyspark(server.url, 'prepare', { tables: { 'spark_catalog.hp_iris_ml.bench_warm': 100_000 } }, {});
    await ours(dir, env, { input_table: 'hp_az_catalog.hp_iris_ml.bench_warm', output_table: 'bench_warm_a' });
    await pyspark(server.url, 'selectExpr', { input: 'spark_catalog.hp_iris_ml.bench_warm', output: 'spark_catalog.hp_iris_ml.bench_warm_b', projections }, {});

    // MLflow 3 resolves models:/ in a SQLite store's mlflow-artifacts:/ only through a tracking server:
    // spark_udf gets the logged model's folder itself (the project's one registered version, the
    // champion): the folder with MLmodel and the code/ folder its python_function flavor names (not the
    // metadata/ copy of MLmodel beside it, which has no code/ and so cannot import the loader).
    const found = [];
    const artifacts = path.join(dir, '.mlops', 'mlartifacts');
    for (const entry of await readdir(artifacts, { recursive: true })) {
      if (!entry.endsWith(`${path.sep}code${path.sep}mlops_tfjs_pyfunc.py`)) continue;
      const model = path.dirname(path.dirname(path.join(artifacts, entry)));
      found.push({ dir: model, at: (await stat(path.join(model, 'MLmodel'))).mtimeMs });
    }
    const modelDir = found.sort((x, y) => y.at - x.at)[0].dir;
    // (c) warmed too: its first run starts Spark's Python workers.
    await pyspark(server.url, 'spark_udf', { input: 'spark_catalog.hp_iris_ml.bench_warm', output: 'spark_catalog.hp_iris_ml.bench_warm_c', model_uri: modelDir }, mlflowEnv);
    const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
    const runA = async () => {
      const measured = await ours(dir, env, { input_table: 'hp_az_catalog.hp_iris_ml.bench_input', output_table: 'bench_out_a' });
      console.log(JSON.stringify({ a_seconds: measured.seconds, a_job_seconds: measured.result.duration_ms / 1000, a_rss_mb: measured.rssMb, rows: measured.result.predictions?.rows, load: load() }));
      return measured;
    };
    const runB = async () => {
      const t1 = performance.now();
      const measured = await pyspark(server.url, 'selectExpr', { input, output: 'spark_catalog.hp_iris_ml.bench_out_b', projections }, {});
      const processSeconds = (performance.now() - t1) / 1000;
      console.log(JSON.stringify({ b_seconds: measured.seconds, b_process_seconds: processSeconds, load: load() }));
      return { seconds: measured.seconds, processSeconds };
    };
    const as = [];
    const bs = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        as.push(await runA());
        bs.push(await runB());
      } else {
        bs.push(await runB());
        as.push(await runA());
      }
    }
    const a = as.reduce((x, y) => (y.seconds < x.seconds ? y : x));
    const b = bs.reduce((x, y) => (y.seconds < x.seconds ? y : x));
    const bProcess = Math.min(...bs.map((x) => x.processSeconds));
    a.rssMb = Math.max(...as.map((x) => x.rssMb));
    const t0 = performance.now();
    const c = await pyspark(server.url, 'spark_udf', { input: udfInput, output: 'spark_catalog.hp_iris_ml.bench_out_c', model_uri: modelDir }, mlflowEnv);
    const cProcess = (performance.now() - t0) / 1000;
    console.log(JSON.stringify({ c_seconds: c.seconds, c_process_seconds: cProcess, load: load() }));
    const counts = await Promise.all(['bench_out_a', 'bench_out_b', 'bench_out_c'].map((t) => pyspark(server.url, 'count', { table: `spark_catalog.hp_iris_ml.${t}` }, {})));
    const perSecond = (n, s) => Math.round(n / s);
    const report = {
      spark: server.version,
      rows: ROWS,
      udf_rows: UDF_ROWS,
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model}, load average at the end ${load()}`,
      a_mlops_seconds: +a.seconds.toFixed(2),
      a_rows_per_second: perSecond(ROWS, a.seconds),
      a_job_seconds: +(a.result.duration_ms / 1000).toFixed(2),
      rounds: { a_seconds: as.map((x) => +x.seconds.toFixed(2)), b_write_seconds: bs.map((x) => +x.seconds.toFixed(2)), b_process_seconds: bs.map((x) => +x.processSeconds.toFixed(2)) },
      a_peak_rss_mb: +a.rssMb.toFixed(1),
      a_result_rows: a.result.predictions?.rows,
      b_pyspark_selectExpr_write_seconds: +b.seconds.toFixed(2),
      b_pyspark_selectExpr_process_seconds: +bProcess.toFixed(2),
      b_rows_per_second: perSecond(ROWS, b.seconds),
      c_spark_udf_write_seconds: +c.seconds.toFixed(2),
      c_spark_udf_process_seconds: +cProcess.toFixed(2),
      c_rows_per_second: perSecond(UDF_ROWS, c.seconds),
      c_estimated_seconds_at_rows: +((c.seconds / UDF_ROWS) * ROWS).toFixed(1),
      a_over_b_write: +(a.seconds / b.seconds).toFixed(3),
      a_over_b_process: +(a.seconds / bProcess).toFixed(3),
      c_over_a_per_row: +((c.seconds / UDF_ROWS) / (a.seconds / ROWS)).toFixed(2),
      floors: {
        a_within_10pct_of_b_process: a.seconds <= 1.1 * bProcess,
        a_within_10pct_of_b_write: a.seconds <= 1.1 * b.seconds,
        a_3x_faster_than_c_per_row: (c.seconds / UDF_ROWS) / (a.seconds / ROWS) >= 3,
        a_rss_under_200mb: a.rssMb < 200,
      },
      output_rows: counts.map((x) => x.rows),
    };
    console.log(JSON.stringify(report, null, 2));
    await writeFile(path.join(os.tmpdir(), 'bench-spark-score.json'), JSON.stringify(report, null, 2));
  } finally {
    await server.stop();
    // The project folder holds a local workspace (tracking, the champion's files): not worth keeping.
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
