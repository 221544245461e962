// Training benchmark: wall time to train the default model (model_type mlp, hidden_units 16, relu,
// 200 epochs, batch 32, Adam lr 0.05, seed 42) with `trainClassifier` on the wasm backend:
//   1. on the Iris training split (120 rows of data/iris.csv, the seeded stratified split the
//      train stage uses), repeated; every repeat must give bit-identical weights (determinism);
//   2. the whole train stage (`runTrain`: read the ingested Parquet, train, log params, 400
//      per-epoch metrics, the model and the evaluation set to the MLflow file store, register a
//      version) on a fresh local workspace in a temp dir;
//   3. on 2,000 seeded, generated Iris-like rows, to show how the time grows with the data;
//   4. with --volume-rows N (e.g. 2000000): model_training_job with its defaults (max_train_rows
//      10,000) on a workspace whose ingested volume holds N generated rows + the 150 Iris rows.
// Run `npm run build` first; then:
//   node bench/train.mjs [--repeat 5] [--rows 2000] [--volume-rows 0]
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateRows } from './serve.mjs';

const dist = new URL('../dist/', import.meta.url);
const { trainClassifier } = await import(new URL('model/train.js', dist).href);
const { getTf } = await import(new URL('model/tf.js', dist).href);
const { TRAINING_DEFAULTS } = await import(new URL('stages/train/params.js', dist).href);
const { stratifiedSplit } = await import(new URL('stages/train/split.js', dist).href);
const { loadConfig } = await import(new URL('config/load.js', dist).href);
const { runJob } = await import(new URL('run.js', dist).href);
const { openWorkspace } = await import(new URL('workspace/open.js', dist).href);

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

function parseArgs(argv) {
  const args = { repeat: 5, rows: 2_000, volumeRows: 0 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--repeat') args.repeat = Number(argv[++i]);
    else if (argv[i] === '--rows') args.rows = Number(argv[++i]);
    else if (argv[i] === '--volume-rows') args.volumeRows = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

async function irisTrainingSplit() {
  const [header, ...lines] = (await readFile(new URL('../data/iris.csv', import.meta.url), 'utf8')).trim().split('\n');
  const names = header.split(',');
  const labelNames = [...new Set(lines.map((l) => l.split(',')[4].trim()))].sort();
  const features = Float32Array.from(lines.flatMap((l) => l.split(',').slice(0, 4).map(Number)));
  const labels = Int32Array.from(lines, (l) => labelNames.indexOf(l.split(',')[4].trim()));
  const { train } = stratifiedSplit(labels, { testSize: TRAINING_DEFAULTS.testSize, seed: TRAINING_DEFAULTS.seed });
  const picked = new Float32Array(train.length * 4);
  train.forEach((row, i) => picked.set(features.subarray(row * 4, row * 4 + 4), i * 4));
  return { features: picked, labels: Int32Array.from(train, (row) => labels[row]), rows: train.length, featureNames: names.slice(0, 4), labelNames };
}

async function timeTraining(data) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await trainClassifier(data, { ...TRAINING_DEFAULTS });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const weights = Buffer.concat(result.classifier.model.getWeights().map((w) => Buffer.from(w.dataSync().buffer)));
  result.classifier.dispose();
  return { ms, cpuMs, weights, epochs: result.epochsRun };
}

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
};

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const tf = await getTf();
  console.log(`node ${process.version}, ${os.cpus().length} cores, tfjs ${tf.version.tfjs} backend ${tf.getBackend()} (init ${(performance.now() - t0).toFixed(0)} ms)`);
  console.log(`default model: ${JSON.stringify(TRAINING_DEFAULTS)}`);

  const iris = await irisTrainingSplit();
  await timeTraining(iris); // warm-up: compiles the wasm kernels once
  const runs = [];
  for (let i = 0; i < options.repeat; i++) runs.push(await timeTraining(iris));
  const identical = runs.every((r) => r.weights.equals(runs[0].weights));
  const fit = stats(runs.map((r) => r.ms));
  const fitCpu = stats(runs.map((r) => r.cpuMs));
  console.log(
    `1. trainClassifier, Iris ${iris.rows} rows × ${runs[0].epochs} epochs: median ${fit.median.toFixed(0)} ms (min ${fit.min.toFixed(0)}, max ${fit.max.toFixed(0)}) over ${options.repeat}; ` +
      `CPU median ${fitCpu.median.toFixed(0)} ms (min ${fitCpu.min.toFixed(0)}); load ${os.loadavg().map((l) => l.toFixed(1)).join('/')}; ` +
      `weights identical every time: ${identical}`,
  );
  if (!identical) throw new Error('training is not deterministic');

  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-bench-train-'));
  try {
    const config = await loadConfig({ cwd: dir, env: {} });
    await runJob({ job: 'data_ingestion_job', config });
    const t1 = performance.now();
    const result = await runJob({ job: 'model_training_job', config });
    const stageMs = performance.now() - t1;
    if (result.status !== 'succeeded') throw new Error(`model_training_job ${result.status}: ${result.failure?.message}`);
    console.log(
      `2. model_training_job (train stage with MLflow logging and registration): ${stageMs.toFixed(0)} ms wall, stage ${result.stages[0].duration_ms} ms; ` +
        `test accuracy ${result.training.metrics.test_accuracy.toFixed(4)}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const generated = generateRows(options.rows);
  const big = await timeTraining({ ...generated, featureNames: FEATURES, labelNames: ['setosa', 'versicolor', 'virginica'] });
  console.log(`3. trainClassifier, ${options.rows} generated rows × ${big.epochs} epochs: ${big.ms.toFixed(0)} ms, CPU ${big.cpuMs.toFixed(0)} ms (${((options.rows * big.epochs) / (big.ms / 1000) / 1e6).toFixed(2)} M row-epochs/s)`);
}

async function trainOnBigVolume(rows) {
  const { writeFile, mkdir } = await import('node:fs/promises');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-bench-train-big-'));
  try {
    await mkdir(path.join(dir, 'data', 'landing'), { recursive: true });
    const { features, labels } = generateRows(rows);
    const species = ['setosa', 'versicolor', 'virginica'];
    const lines = ['sepal_length,sepal_width,petal_length,petal_width,species'];
    for (let r = 0; r < rows; r++) lines.push(`${Array.from(features.subarray(r * 4, r * 4 + 4), (v) => v.toFixed(1)).join(',')},${species[labels[r]]}`);
    await writeFile(path.join(dir, 'data', 'landing', 'big.csv'), `${lines.join('\n')}\n`);
    lines.length = 0;
    const landing = new URL('../data/landing/', import.meta.url);
    for (const name of ['iris_part_001.csv', 'iris_part_002.csv', 'iris_part_003.csv']) await writeFile(path.join(dir, 'data', 'landing', name), await readFile(new URL(name, landing)));
    // The project's mlops.yml beside the data, so that ./data/landing is this folder's.
    await writeFile(path.join(dir, 'mlops.yml'), await readFile(new URL('../mlops.yml', import.meta.url)));
    const config = await loadConfig({ cwd: dir, env: {} });
    const ingested = await runJob({ job: 'data_ingestion_job', config });
    if (ingested.status !== 'succeeded') throw new Error(`data_ingestion_job ${ingested.status}`);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await runJob({ job: 'model_training_job', config });
    const cpu = process.cpuUsage(cpu0);
    if (result.status !== 'succeeded') throw new Error(`model_training_job ${result.status}: ${result.failure?.message}`);
    const params = (await openWorkspace(config, { env: {} })).tracking.getRun(result.training.run_id).then((run) => run.data.params);
    const logged = await params;
    if (logged.rows !== String(rows + 150)) throw new Error(`expected ${rows + 150} ingested rows, the run says ${logged.rows}`);
    console.log(
      `4. model_training_job on ${logged.rows} ingested rows (sampled ${logged.train_rows} of ${logged.train_rows_sampled_from} training rows) (defaults: max_train_rows 10,000, 200 epochs): ${((performance.now() - t0) / 1000).toFixed(1)} s wall, ` +
        `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU; test accuracy ${result.training.metrics.test_accuracy.toFixed(4)}; load ${os.loadavg().map((l) => l.toFixed(1)).join('/')}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
const { volumeRows } = parseArgs(process.argv.slice(2));
if (volumeRows > 0) await trainOnBigVolume(volumeRows);
