// Spark Connect benchmark: our TypeScript client against PySpark's Spark Connect client, same local
// Spark Connect server (pyspark 4.1.1's jars, local[2]), same run.
//   stream:  10M rows × 5 columns (bigint, bigint, double, bigint, double) out of the server —
//            ours with toArrowBatches() (streamed) and toArrow() (one Table), PySpark with df.toArrow().
//   upload:  1M rows × 5 columns (Arrow, float64/int64) in with createDataFrame(table), then count()
//            on the server — ours and PySpark's createDataFrame(pyarrow.Table).
// Each case runs in its own child process and reports wall time, the client's CPU time (user + system,
// over the timed part) and its peak RSS (maxRSS). The repeats are interleaved — round 1 runs every
// case once, then round 2 in the reverse order, … — so that ours and PySpark see the same machine load
// and the same position in a round equally often; the summary gives
// best and median per case and the same-run ratios of medians (ours / PySpark).
// Needs `npm run build` and the interop env (`node interop/provision.mjs mlflow3`). Then:
//   node bench/spark.mjs [--rows 10000000] [--upload-rows 1000000] [--repeat 5]
//                        [--cases stream-batches,stream-table,stream,upload]   (default: all)
//                        [--baseline DIR]   (also stream with another build's dist/ copied to DIR, for an A/B)
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
    const allCases = [
      ['ours toArrowBatches()', 'node', 'stream-batches', { rows }],
      ['ours toArrow()', 'node', 'stream-table', { rows }],
      ['PySpark toArrow()', 'python', 'stream', { rows }],
      ['ours createDataFrame + count', 'node', 'upload', { rows: uploadRows }],
      ['PySpark createDataFrame + count', 'python', 'upload', { rows: uploadRows }],
    ];
    const wanted = args.cases?.split(',');
    const cases = allCases.filter(([, , name]) => wanted === undefined || wanted.includes(name));
    // A/B of a change: the same streaming case with another build of this package (a copy of dist/).
    if (args.baseline !== undefined) cases.splice(1, 0, [`ours toArrowBatches() [baseline ${args.baseline}]`, 'node', 'stream-batches', { rows, dist: path.resolve(args.baseline) }]);
    // Warm the server's JVM (code generation, JIT) with one small unmeasured query from each client.
    await runChild('node', 'stream-batches', { rows: 1_000_000, url: server.url });
    await runChild('python', 'stream', { rows: 1_000_000, url: server.url });
    const runs = cases.map(() => []);
    for (let round = 1; round <= repeat; round++) {
      // Every other round runs the cases in reverse order: the server's state after a case (its heap,
      // its garbage) falls on each case equally often, not always on the one listed first.
      const order = [...cases.entries()];
      if (round % 2 === 0) order.reverse();
      for (const [c, [label, runtime, name, params]] of order) {
        const r = await runChild(runtime, name, { ...params, url: server.url });
        runs[c].push(r);
        process.stdout.write(`round ${round}/${repeat} ${label}: ${r.seconds.toFixed(2)} s wall, ${r.cpuSeconds.toFixed(2)} s client CPU, ${r.maxRssMb} MB, load ${os.loadavg()[0].toFixed(1)}\n`);
      }
    }
    const median = (xs) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    };
    const results = cases.map(([label], c) => {
      const rs = runs[c];
      return {
        label,
        rows: rs[0].rows,
        best: Math.min(...rs.map((r) => r.seconds)),
        median: median(rs.map((r) => r.seconds)),
        medianCpuSeconds: median(rs.map((r) => r.cpuSeconds)),
        maxRssMb: Math.max(...rs.map((r) => r.maxRssMb)),
        seconds: rs.map((r) => r.seconds),
      };
    });
    process.stdout.write(`\nSUMMARY (${repeat} interleaved rounds; load average now ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')})\n`);
    process.stdout.write(`${'case'.padEnd(34)} ${'rows'.padStart(10)} ${'MEDIAN s'.padStart(9)} ${'best s'.padStart(7)} ${'CPU s (median)'.padStart(14)} ${'peak RSS MB'.padStart(11)}\n`);
    for (const r of results) {
      process.stdout.write(`${r.label.padEnd(34)} ${String(r.rows).padStart(10)} ${r.median.toFixed(2).padStart(9)} ${r.best.toFixed(2).padStart(7)} ${r.medianCpuSeconds.toFixed(2).padStart(14)} ${String(r.maxRssMb).padStart(11)}\n`);
    }
    const byLabel = Object.fromEntries(results.map((r) => [r.label, r]));
    for (const [ours, theirs] of [['ours toArrowBatches()', 'PySpark toArrow()'], ['ours toArrow()', 'PySpark toArrow()'], ['ours createDataFrame + count', 'PySpark createDataFrame + count']]) {
      const a = byLabel[ours];
      const b = byLabel[theirs];
      if (a === undefined || b === undefined) continue;
      const ratio = a.median / b.median;
      process.stdout.write(`${ours} / ${theirs}: median ${a.median.toFixed(2)} s / ${b.median.toFixed(2)} s = ${ratio.toFixed(2)} (${ratio <= 1 ? 'ours at least as fast' : 'ours SLOWER'}); best ${a.best.toFixed(2)} / ${b.best.toFixed(2)} s\n`);
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
  const dist = params.dist ?? fileURLToPath(new URL('../dist', import.meta.url));
  const { SparkSession } = await import(pathToFileURL(path.join(dist, 'spark', 'index.js')).href);
  const { tableFromArrays } = await import('apache-arrow');
  const spark = await SparkSession.builder().remote(params.url).create();
  let rows = 0;
  let started;
  let cpuStart;
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
    cpuStart = process.cpuUsage();
    started = performance.now();
    const df = await spark.createDataFrame(table);
    rows = await df.count();
  } else {
    const df = spark.range(params.rows).selectExpr(...QUERY);
    cpuStart = process.cpuUsage();
    started = performance.now();
    if (name === 'stream-batches') {
      for await (const batch of df.toArrowBatches()) rows += batch.numRows;
    } else {
      rows = (await df.toArrow()).numRows;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await spark.stop();
  process.stdout.write(`${JSON.stringify({ rows, seconds, cpuSeconds, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
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
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    rows = spark.createDataFrame(table).count()
else:
    df = spark.range(params["rows"]).selectExpr(${JSON.stringify(QUERY).slice(1, -1)})
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    rows = df.toArrow().num_rows
seconds = time.perf_counter() - t0
r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu_seconds = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
spark.stop()
print(json.dumps({"rows": rows, "seconds": seconds, "cpuSeconds": cpu_seconds, "maxRssMb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
`;


if (args.child) {
  await child(args.child, JSON.parse(args.params));
} else {
  await main();
}
