// Where (a) and (b) of bench/spark-score.mjs differ (issue 15, point 4), seen from the server: one
// local Spark Connect server (local[2]) with its event log on; the same N-row table scored into a
// table by (b) PySpark selectExpr of the compiled expressions (computed once, as spark-score.mjs
// does) and by (a) `mlops run batch_inference_job --target spark` of one or more builds (a's CLI
// paths: --cli, comma-separated; default this checkout's dist/cli/mlops.mjs), in rotating order.
// Per run: wall seconds, the client process's user+sys CPU (/usr/bin/time -v), and from Spark's
// event log the write's task CPU and run time (the sum over its tasks) and its bytes written.
// Needs `npm run build` and the interop env (`node interop/provision.mjs mlflow3`).
//   node bench/spark-score-gap.mjs --rows 1000000 --rounds 2 --cli /path/before/dist/cli/mlops.mjs,dist/cli/mlops.mjs
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { championScoreProjections, runPySpark, startSparkServer } from './spark-server.mjs';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const ROWS = Number(args.rows ?? 1_000_000);
const ROUNDS = Number(args.rounds ?? 2);
const CLIS = (args.cli ?? path.join(ROOT, 'dist', 'cli', 'mlops.mjs')).split(',').map((p) => path.resolve(p));
const MODEL = 'hp_az_catalog.hp_iris_ml.irisclassifierdemo';


const cpuOf = (stderr) => +(Number(/User time \(seconds\): ([\d.]+)/.exec(stderr)?.[1]) + Number(/System time \(seconds\): ([\d.]+)/.exec(stderr)?.[1])).toFixed(2);

async function pyspark(url, what, payload) {
  const { result, wall, stderr } = await runPySpark(url, what, payload, { timed: true });
  return { wall: +wall.toFixed(2), client_cpu: cpuOf(stderr), write: result.seconds };
}

async function ours(cli, dir, env, json) {
  const t0 = performance.now();
  const { stdout, stderr } = await run('/usr/bin/time', ['-v', cli, 'run', 'batch_inference_job', '--target', 'spark', '-o', 'json', '--json', JSON.stringify(json)], { cwd: dir, env: { ...process.env, ...env, CI: 'true' }, maxBuffer: 1 << 26 });
  return { wall: +((performance.now() - t0) / 1000).toFixed(2), client_cpu: cpuOf(stderr), job: JSON.parse(stdout).duration_ms / 1000 };
}

/** Per SQL execution that wrote files: its task CPU and run time (summed over tasks, seconds), in order. */
async function writesOf(eventDir) {
  const files = [];
  for (const entry of await readdir(eventDir, { recursive: true })) if (path.basename(entry).startsWith('events_')) files.push(path.join(eventDir, entry));
  const stageExec = new Map();
  const perExec = new Map();
  for (const file of files.sort()) {
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      if (line === '') continue;
      const e = JSON.parse(line);
      if (e.Event === 'SparkListenerJobStart') for (const s of e['Stage IDs']) stageExec.set(s, e.Properties?.['spark.sql.execution.id']);
      if (e.Event !== 'SparkListenerTaskEnd') continue;
      const m = e['Task Metrics'] ?? {};
      const id = stageExec.get(e['Stage ID']);
      const x = perExec.get(id) ?? { task_cpu: 0, task_run: 0, bytes_written: 0 };
      x.task_cpu += (m['Executor CPU Time'] ?? 0) / 1e9;
      x.task_run += (m['Executor Run Time'] ?? 0) / 1000;
      x.bytes_written += m['Output Metrics']?.['Bytes Written'] ?? 0;
      perExec.set(id, x);
    }
  }
  return [...perExec.entries()].filter(([, x]) => x.bytes_written > 0).sort((p, q) => Number(p[0]) - Number(q[0])).map(([, x]) => ({ task_cpu: +x.task_cpu.toFixed(2), task_run: +x.task_run.toFixed(2), bytes_written: x.bytes_written }));
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-spark-gap-project-'));
  await cp(path.join(ROOT, 'mlops.yml'), path.join(dir, 'mlops.yml'));
  await mkdir(path.join(dir, 'data'), { recursive: true });
  await cp(path.join(ROOT, 'data', 'landing'), path.join(dir, 'data', 'landing'), { recursive: true });
  await run(process.execPath, [CLIS.at(-1), 'run', 'pipeline_job', '--json', '{"epochs":"60"}'], { cwd: dir, env: { ...process.env, CI: 'true' } });
  const eventDir = await mkdtemp(path.join(os.tmpdir(), 'bench-spark-gap-events-'));
  const server = await startSparkServer({ driverMemory: '3g', conf: { 'spark.eventLog.enabled': 'true', 'spark.eventLog.dir': eventDir, 'spark.eventLog.compress': 'false' } });
  const env = { SPARK_REMOTE: server.url };
  const runs = [];
  try {
    const input = 'spark_catalog.hp_iris_ml.bench_input';
    const warm = 'spark_catalog.hp_iris_ml.bench_warm';
    await pyspark(server.url, 'prepare', { tables: { [input]: ROWS, [warm]: 100_000 } });
    const projections = await championScoreProjections(dir, env, MODEL);
    const cases = [
      ...CLIS.map((cli, i) => ({ name: CLIS.length === 1 ? 'a' : `a${i}`, cli, run: (table, out) => ours(cli, dir, env, { input_table: table.replace('spark_catalog', 'hp_az_catalog'), output_table: out }) })),
      { name: 'b', run: (table, out) => pyspark(server.url, 'selectExpr', { input: table, output: `spark_catalog.hp_iris_ml.${out}`, projections }) },
    ];
    // Warm each case once on a small table (unmeasured), as spark-score.mjs does.
    for (const c of cases) {
      await c.run(warm, `gap_warm_${c.name}`);
      runs.push({ case: c.name, warm: true });
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = cases.map((_, i) => cases[(i + round) % cases.length]);
      for (const c of order) {
        const measured = await c.run(input, `gap_out_${c.name}`);
        runs.push({ case: c.name, round, ...measured, load: +os.loadavg()[0].toFixed(2) });
        console.log(JSON.stringify(runs.at(-1)));
      }
    }
  } finally {
    await server.stop();
  }
  // The event log is complete once the application has ended; its writes are in the order of the runs.
  const writes = await writesOf(eventDir);
  // The two tables of "prepare" come first.
  const prepareWrites = 2;
  if (writes.length !== prepareWrites + runs.length) throw new Error(`expected ${prepareWrites + runs.length} writes in the event log, found ${writes.length}: ${JSON.stringify(writes)}`);
  const measured = runs.map((r, i) => ({ ...r, ...writes[prepareWrites + i] })).filter((r) => !r.warm);
  const report = { rows: ROWS, clis: Object.fromEntries(CLIS.map((cli, i) => [CLIS.length === 1 ? 'a' : `a${i}`, cli])), machine: `${os.cpus().length} × ${os.cpus()[0]?.model}`, runs: measured };
  console.log(JSON.stringify(report, null, 2));
  await writeFile(path.join(os.tmpdir(), 'bench-spark-score-gap.json'), JSON.stringify(report, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
