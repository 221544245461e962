// Spark Connect benchmark: our TypeScript client against PySpark's Spark Connect client, same local
// Spark Connect server (pyspark 4.1.1's jars, local[2]), same run.
//   stream:  10M rows × 5 columns (bigint, bigint, double, bigint, double) out of the server —
//            ours with toArrowBatches() (streamed) and toArrow() (one Table), PySpark with df.toArrow().
//   upload:  1M rows × 5 columns (Arrow, float64/int64) in with createDataFrame(table), then count()
//            on the server — ours and PySpark's createDataFrame(pyarrow.Table).
// Each case runs in its own child process and reports wall time and peak RSS (maxRSS) of the client.
// Needs `npm run build` and the interop env (`node interop/provision.mjs mlflow3`). Then:
//   node bench/spark.mjs [--rows 10000000] [--upload-rows 1000000] [--repeat 3]
import { execFile } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PYTHON, startSparkServer } from './spark-server.mjs';

const QUERY = ['id', 'id * 2 AS a', 'CAST(id AS DOUBLE) * 0.5 AS b', 'id % 7 AS c', 'CAST(id AS DOUBLE) / 3 AS d'];

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);


async function main() {
  const rows = Number(args.rows ?? 10_000_000);
  const uploadRows = Number(args['upload-rows'] ?? 1_000_000);
  const repeat = Number(args.repeat ?? 3);
  const server = await startSparkServer();
  try {
    const cases = [
      ['ours toArrowBatches()', 'node', 'stream-batches', { rows }],
      ['ours toArrow()', 'node', 'stream-table', { rows }],
      ['PySpark toArrow()', 'python', 'stream', { rows }],
      ['ours createDataFrame + count', 'node', 'upload', { rows: uploadRows }],
      ['PySpark createDataFrame + count', 'python', 'upload', { rows: uploadRows }],
    ];
    // Warm the server's JVM (code generation, JIT) with one small unmeasured query from each client.
    await runChild('node', 'stream-batches', { rows: 1_000_000, url: server.url });
    await runChild('python', 'stream', { rows: 1_000_000, url: server.url });
    const results = [];
    for (const [label, runtime, name, params] of cases) {
      const runs = [];
      for (let i = 0; i < repeat; i++) runs.push(await runChild(runtime, name, { ...params, url: server.url }));
      const seconds = runs.map((r) => r.seconds).sort((a, b) => a - b);
      const rss = Math.max(...runs.map((r) => r.maxRssMb));
      results.push({ label, rows: runs[0].rows, best: seconds[0], median: seconds[Math.floor(seconds.length / 2)], maxRssMb: rss });
      process.stdout.write(`${label}: rows ${runs[0].rows}, best ${seconds[0].toFixed(2)} s, median ${seconds[Math.floor(seconds.length / 2)].toFixed(2)} s, client peak RSS ${rss} MB\n`);
    }
    process.stdout.write(`\n${JSON.stringify({ node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), results }, null, 2)}\n`);
  } finally {
    await server.stop();
  }
}

async function runChild(runtime, name, params) {
  const exec = promisify(execFile);
  const { stdout } =
    runtime === 'node'
      ? await exec(process.execPath, [fileURLToPath(import.meta.url), '--child', name, '--params', JSON.stringify(params)], { maxBuffer: 1 << 20 })
      : await exec(PYTHON, ['-c', PYSPARK_CHILD, name, JSON.stringify(params)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

async function child(name, params) {
  const { SparkSession } = await import(new URL('../dist/spark/index.js', import.meta.url).href);
  const { tableFromArrays } = await import('apache-arrow');
  const spark = await SparkSession.builder().remote(params.url).create();
  let rows = 0;
  let started;
  if (name === 'upload') {
    const n = params.rows;
    const cols = {
      id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
      a: Float64Array.from({ length: n }, (_, i) => i * 0.5),
      b: Float64Array.from({ length: n }, (_, i) => i / 3),
      c: BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 7)),
      d: Float64Array.from({ length: n }, (_, i) => Math.sqrt(i)),
    };
    const table = tableFromArrays(cols);
    started = performance.now();
    const df = await spark.createDataFrame(table);
    rows = await df.count();
  } else {
    const df = spark.range(params.rows).selectExpr(...QUERY);
    started = performance.now();
    if (name === 'stream-batches') {
      for await (const batch of df.toArrowBatches()) rows += batch.numRows;
    } else {
      rows = (await df.toArrow()).numRows;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await spark.stop();
  process.stdout.write(`${JSON.stringify({ rows, seconds, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
}

const PYSPARK_CHILD = `
import sys, json, time, resource
import numpy as np, pyarrow as pa
from pyspark.sql import SparkSession
name, params = sys.argv[1], json.loads(sys.argv[2])
spark = SparkSession.builder.remote(params["url"]).create()
if name == "upload":
    n = params["rows"]
    i = np.arange(n)
    table = pa.table({"id": i.astype("int64"), "a": i * 0.5, "b": i / 3, "c": (i % 7).astype("int64"), "d": np.sqrt(i)})
    t0 = time.perf_counter()
    rows = spark.createDataFrame(table).count()
else:
    df = spark.range(params["rows"]).selectExpr(${JSON.stringify(QUERY).slice(1, -1)})
    t0 = time.perf_counter()
    rows = df.toArrow().num_rows
seconds = time.perf_counter() - t0
spark.stop()
print(json.dumps({"rows": rows, "seconds": seconds, "maxRssMb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
`;


if (args.child) {
  await child(args.child, JSON.parse(args.params));
} else {
  await main();
}
