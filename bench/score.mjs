// Batch scoring benchmark: seeded Iris-like rows (Parquet, SNAPPY) → predictions Parquet (SNAPPY),
// by batch_inference_job (runScore) and, in the same run, by DuckDB executing the model compiled
// to SQL (read_parquet → the compiled query → COPY TO Parquet, 2 threads).
// Each case runs in its own child process, which reports its wall time and its peak RSS
// (process.resourceUsage().maxRSS). Setup (training, data generation) also runs in a child: on
// Linux a child's maxRSS starts from its parent's RSS at fork, so the parent must stay small.
// "First batch" (issue 18, point 4) is the time from the call of runScore — the way a library
// user calls the stage, with the package's modules already imported — to the first progress event,
// which comes right after the first batch is scored. What the call itself loads or starts counts:
// resolving the model and reading its files, the Parquet footers, starting the reading and encoding
// workers, staging the output, TensorFlow.js if the first batch waits for it. Process start and the
// imports of our modules (the lead's CLI start-up work) do not.
// Run `npm run build` first; then:
//   node bench/score.mjs [--rows 1000000,10000000] [--repeat 3] [--engines mlops,mlops-all-snappy,mlops-tfjs-first,duckdb] [--keep]
//     [--before <dist folder of another build>]  (with `before` in --engines: `mlops` run from that build, e.g. main's, alternated in the same run)
// Since issue 18.4's second pass, a first batch scored in plain JavaScript reports progress after its
// first 1,024 rows (FIRST_PROGRESS_ROWS), then scores the rest of that batch. Both are reported:
// "first progress" (the first event, after those 1,024 rows) and "first whole batch" (the first
// event with at least batch_size = 65,536 rows done), the issue's "first batch".
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const dist = new URL('../dist/', import.meta.url);
const distOfThisBuild = dist;
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const LABELS = ['setosa', 'versicolor', 'virginica'];
const MODEL_NAME = 'bench.iris.classifier';
const SEED = 20240611;
const BATCH_SIZE = 65_536;

if (process.argv[2] === '--child') {
  await child(process.argv[3], JSON.parse(process.argv[4]));
} else if (process.argv[2] === '--setup') {
  await setup(JSON.parse(process.argv[3]));
} else {
  await main();
}

/** In a child: the model registered as champion, its SQL, and the input files. */
async function setup({ workspace, root, rows }) {
  const { query } = await registerModel(workspace);
  const inputs = {};
  for (const count of rows) inputs[count] = await generateInput(root, count);
  console.log(JSON.stringify({ query, inputs }));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  // Generated inputs are kept in one folder and reused by later runs; each run's workspace and
  // outputs go to a folder of its own, so that two runs at once do not remove each other's.
  const inputsDir = path.join(os.tmpdir(), 'mlops-bench-score');
  await mkdir(inputsDir, { recursive: true });
  const root = await mkdtemp(path.join(inputsDir, 'run-'));
  const workspace = path.join(root, 'workspace');
  const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url), '--setup', JSON.stringify({ workspace, root: inputsDir, rows: args.rows })], { maxBuffer: 16 << 20 });
  const { query, inputs } = JSON.parse(stdout.trim().split('\n').pop());

  const results = [];
  for (const rows of args.rows) {
    const input = inputs[rows];
    for (let round = 0; round < args.repeat; round++) {
      // Interleaved, so that load from elsewhere on the machine hits both alike.
      for (const engine of args.engines) {
        const output = path.join(root, `out-${engine}-${rows}.parquet`);
        await rm(output, { force: true });
        const loadBefore = os.loadavg()[0];
        const report = await runChild(engine, { workspace, input, output, query, rows, ...(engine === 'before' ? { dist: args.before } : {}) });
        const bytes = (await stat(output)).size;
        results.push({ engine, rows, round, ...report, bytes, loadBefore });
        console.error(`${engine.padEnd(6)} ${String(rows).padStart(9)} rows  ${report.seconds.toFixed(2)} s${report.firstBatchSeconds === undefined ? '' : ` (first progress ${report.firstBatchSeconds.toFixed(3)} s, first ${BATCH_SIZE}-row batch ${report.fullBatchSeconds?.toFixed(3)} s)`}  ${(rows / report.seconds / 1e6).toFixed(2)}M rows/s  CPU ${report.cpuSeconds.toFixed(2)} s  peak RSS ${report.maxRssMb} MB  (load ${loadBefore.toFixed(1)})`);
      }
    }
    if (args.engines.includes('mlops') && args.engines.includes('duckdb')) {
      const agreement = await runChild('agree', { root, rows });
      console.error(`agreement at ${rows} rows: ${JSON.stringify(agreement)}`);
    }
    if (!args.keep) for (const engine of args.engines) await rm(path.join(root, `out-${engine}-${rows}.parquet`), { force: true });
  }
  if (!args.keep) await rm(root, { recursive: true, force: true });
  printSummary(results);
}

/** A trained Iris classifier, registered as champion in a local MLflow file store; and its SQL. */
async function registerModel(workspace) {
  const { getTf } = await import(new URL('model/tf.js', dist));
  const { trainClassifier } = await import(new URL('model/train.js', dist));
  const { modelToFiles } = await import(new URL('model/format.js', dist));
  const { openTracking } = await import(new URL('tracking/open.js', dist));
  const { compileClassifierSql } = await import(new URL('model/sql/compile.js', dist));
  await getTf();
  const csv = await readFile(new URL('../data/iris.csv', import.meta.url), 'utf8');
  const lines = csv.trim().split('\n').slice(1).map((line) => line.split(','));
  const { classifier } = await trainClassifier(
    {
      features: Float32Array.from(lines.flatMap((l) => l.slice(0, 4).map(Number))),
      labels: Int32Array.from(lines, (l) => LABELS.indexOf(l[4])),
      rows: lines.length,
      featureNames: FEATURES,
      labelNames: LABELS,
    },
    { epochs: 100, learningRate: 0.05, hiddenUnits: [16], activation: 'relu', batchSize: 32, seed: 42, testSize: 0.2 },
  );
  const { tracking, registry } = openTracking(`file://${path.join(workspace, 'mlruns')}`, { baseDir: workspace });
  const experimentId = await tracking.createExperiment('/bench/score');
  const run = await tracking.createRun({ experimentId, runName: 'bench' });
  for (const [file, bytes] of await modelToFiles(classifier, { runId: run.runId, artifactPath: 'model', now: Date.now() })) {
    await tracking.logArtifact(run.runId, `model/${file}`, bytes);
  }
  await registry.createRegisteredModel(MODEL_NAME);
  const version = await registry.createModelVersion({ name: MODEL_NAME, source: `${run.artifactUri}/model`, runId: run.runId });
  await registry.setAlias(MODEL_NAME, 'champion', version.version);
  const compiled = compileClassifierSql(classifier.describe(), { dialect: 'duckdb' });
  return { query: compiled.query('__SOURCE__', { select: [...FEATURES] }) };
}

/** Seeded Iris-like rows (four features at one decimal, as Iris has, plus species), Parquet SNAPPY, written by parquet-wasm. */
async function generateInput(root, rows) {
  const file = path.join(root, `input-${rows}-${SEED}.parquet`);
  if (existsSync(file)) return file;
  const arrow = await import('apache-arrow');
  const { tableToParquet } = await import(new URL('io/parquet.js', dist));
  let state = SEED;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const gauss = () => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
  const means = [[5.0, 3.4, 1.5, 0.25], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]];
  const sds = [[0.35, 0.38, 0.17, 0.1], [0.5, 0.3, 0.47, 0.2], [0.63, 0.32, 0.55, 0.27]];
  const columns = FEATURES.map(() => new Float64Array(rows));
  const species = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const c = Math.floor(next() * 3);
    species[r] = c;
    for (let j = 0; j < 4; j++) columns[j][r] = Math.max(0.1, Math.round((means[c][j] + sds[c][j] * gauss()) * 10) / 10);
  }
  const dictionary = arrow.vectorFromArray(LABELS, new arrow.Utf8());
  const speciesVector = arrow.makeVector(arrow.makeData({ type: new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), length: rows, data: species, dictionary }));
  const table = new arrow.Table({ ...Object.fromEntries(FEATURES.map((name, j) => [name, arrow.makeVector(columns[j])])), species: speciesVector });
  await writeFile(file, tableToParquet(table));
  return file;
}

async function runChild(engine, options) {
  const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url), '--child', engine, JSON.stringify(options)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop());
}

async function child(engine, options) {
  if (engine === 'agree') {
    console.log(JSON.stringify(await checkAgreement(options.root, options.rows)));
    return;
  }
  let seconds;
  let firstBatchSeconds;
  let fullBatchSeconds;
  if (engine === 'mlops' || engine === 'mlops-all-snappy' || engine === 'mlops-tfjs-first' || engine === 'before') {
    // `before`: the same call, from another build's dist folder.
    const dist = options.dist === undefined ? distOfThisBuild : new URL(`file://${path.resolve(options.dist)}/`);
    const { runScore } = await import(new URL('stages/score/score.js', dist));
    const { LocalVolumeStore } = await import(new URL('workspace/local/volumes.js', dist));
    const { LocalTableStore } = await import(new URL('workspace/local/tables.js', dist));
    const { openTracking } = await import(new URL('tracking/open.js', dist));
    const { silentReporter } = await import(new URL('pipeline/reporter.js', dist));
    const { tracking, registry } = openTracking(`file://${path.join(options.workspace, 'mlruns')}`, { baseDir: options.workspace });
    let started = 0;
    const ctx = {
      workspace: { kind: 'local', location: options.workspace, volumes: new LocalVolumeStore({ root: options.workspace }), tables: new LocalTableStore({ root: options.workspace }), tracking, registry },
      // What runScore's output guard reads (src/stages/score/check-output.ts): no other jobs here.
      config: { configDir: options.workspace, jobs: {}, workspace: { type: 'local', root: options.workspace }, trackingUri: `file://${path.join(options.workspace, 'mlruns')}` },
      // The first progress event comes right after the first batch is scored: "after the call" is from `started`, set just before runScore is called.
      reporter: {
        ...silentReporter,
        report: (event) => {
          if (event.type !== 'progress') return;
          const at = (performance.now() - started) / 1000;
          if (firstBatchSeconds === undefined) firstBatchSeconds = at;
          // The whole first batch (batch_size rows), whether or not its first rows reported before it.
          if (fullBatchSeconds === undefined && event.done >= Math.min(BATCH_SIZE, options.rows)) fullBatchSeconds = at;
        },
      },
      now: Date.now,
    };
    started = performance.now();
    // mlops-all-snappy compresses every column chunk (the default leaves chunks that snappy shrinks by < 30% uncompressed).
    // mlops-tfjs-first scores the first batch with tfjs too (no plain-JS first batch), for comparison.
    const tuning = engine === 'mlops-all-snappy' ? { minCompressionSavings: 0 } : engine === 'mlops-tfjs-first' ? { plainFirstBatchMinRows: Infinity } : {};
    const summary = await runScore(ctx, { model_name: MODEL_NAME, input_path: options.input, output_path: options.output, batch_size: String(BATCH_SIZE) }, {}, tuning);
    seconds = (performance.now() - started) / 1000;
    if (summary.rows <= 0) throw new Error('no rows scored');
  } else {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const started = performance.now();
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const connection = await instance.connect();
    const select = options.query.replace('__SOURCE__', `read_parquet('${options.input}')`);
    // The same constant columns the job writes, so both outputs have the same schema.
    const withModel = `SELECT *, '${MODEL_NAME}' AS model_name, '1' AS model_version, CAST(now() AS TIMESTAMP WITH TIME ZONE) AS scored_at FROM (${select})`;
    await connection.run(`COPY (${withModel}) TO '${options.output}' (FORMAT parquet, COMPRESSION snappy)`);
    seconds = (performance.now() - started) / 1000;
    connection.closeSync();
    instance.closeSync();
  }
  const usage = process.resourceUsage();
  // CPU seconds of all threads (user + system): robust to load from elsewhere, unlike wall time.
  console.log(JSON.stringify({ seconds, firstBatchSeconds, fullBatchSeconds, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssMb: Math.round(usage.maxRSS / 1024) }));
}

/** In a child: both outputs must say the same thing; DuckDB reads both files and counts disagreements. */
async function checkAgreement(root, rows) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  const file = (engine) => path.join(root, `out-${engine}-${rows}.parquet`);
  const reader = await connection.runAndReadAll(`
    SELECT count(*) AS rows,
           sum(CASE WHEN a.prediction = b.prediction THEN 0 ELSE 1 END) AS label_differences,
           max(greatest(abs(a.probability_setosa - b.probability_setosa), abs(a.probability_versicolor - b.probability_versicolor), abs(a.probability_virginica - b.probability_virginica))) AS max_probability_difference
    FROM (SELECT *, row_number() OVER () AS i FROM read_parquet('${file('mlops')}')) a
    JOIN (SELECT *, row_number() OVER () AS i FROM read_parquet('${file('duckdb')}')) b USING (i)`);
  const [row] = reader.getRowObjectsJS();
  connection.closeSync();
  instance.closeSync();
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]));
}

function printSummary(results) {
  const lines = ['| engine | rows | first progress s (median) | first whole batch s (median) | best s | median s | best rows/s | CPU s (min) | peak RSS (max) | output MB | load avg |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'];
  const keys = [...new Set(results.map((r) => `${r.engine}|${r.rows}`))];
  for (const key of keys) {
    const runs = results.filter((r) => `${r.engine}|${r.rows}` === key);
    const times = runs.map((r) => r.seconds).sort((a, b) => a - b);
    const best = times[0];
    const median = times[Math.floor(times.length / 2)];
    const rss = Math.max(...runs.map((r) => r.maxRssMb));
    const cpu = Math.min(...runs.map((r) => r.cpuSeconds));
    const load = runs.map((r) => r.loadBefore.toFixed(1)).join('/');
    const firsts = runs.map((r) => r.firstBatchSeconds).filter((s) => s !== undefined).sort((a, b) => a - b);
    const first = firsts.length > 0 ? firsts[Math.floor(firsts.length / 2)].toFixed(3) : '–';
    const fulls = runs.map((r) => r.fullBatchSeconds).filter((s) => s !== undefined).sort((a, b) => a - b);
    const full = fulls.length > 0 ? fulls[Math.floor(fulls.length / 2)].toFixed(3) : '–';
    lines.push(`| ${runs[0].engine} | ${runs[0].rows.toLocaleString('en-US')} | ${first} | ${full} | ${best.toFixed(2)} | ${median.toFixed(2)} | ${(runs[0].rows / best / 1e6).toFixed(2)}M | ${cpu.toFixed(2)} | ${rss} MB | ${(runs[0].bytes / 1e6).toFixed(0)} | ${load} |`);
  }
  console.log(lines.join('\n'));
}

function parseArgs(argv) {
  const args = { rows: [1_000_000, 10_000_000], repeat: 3, keep: false, engines: ['mlops', 'mlops-all-snappy', 'duckdb'] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rows') args.rows = argv[++i].split(',').map(Number);
    else if (argv[i] === '--repeat') args.repeat = Number(argv[++i]);
    else if (argv[i] === '--keep') args.keep = true;
    else if (argv[i] === '--engines') args.engines = argv[++i].split(',');
    else if (argv[i] === '--before') args.before = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}
