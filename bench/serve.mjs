// Serving benchmark: MLflow's scoring protocol on loopback, driven by autocannon.
//   1. trains the default model (mlp, hidden 16, 200 epochs, seed 42) on seeded, generated
//      Iris-like rows and writes it as an MLflow model directory in a temp folder;
//   2. starts `startScoringServer` on 127.0.0.1 in a child process (so the load generator does
//      not share its event loop or core);
//   3. for 1-row and 100-row `dataframe_split` requests: a short warm-up, then autocannon for a
//      fixed duration; reports requests/s, rows/s, and p50 / p99 latency; checks every response is 200.
// Run `npm run build` first; then:
//   node bench/serve.mjs [--duration 10] [--connections 10]
import { fork } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/', import.meta.url);
const SEED = 20261126;
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
// Per-class means and spreads of the real Iris data, so generated rows look like it.
const CLASSES = [
  { label: 'setosa', mean: [5.0, 3.4, 1.46, 0.24], sd: [0.35, 0.38, 0.17, 0.1] },
  { label: 'versicolor', mean: [5.94, 2.77, 4.26, 1.33], sd: [0.52, 0.31, 0.47, 0.2] },
  { label: 'virginica', mean: [6.59, 2.97, 5.55, 2.03], sd: [0.64, 0.32, 0.55, 0.27] },
];

function random(seed) {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Seeded Iris-like rows: a Box–Muller normal per feature around its class mean. */
export function generateRows(count, seed = SEED) {
  const next = random(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const features = new Float32Array(count * 4);
  const labels = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const k = r % 3;
    labels[r] = k;
    for (let j = 0; j < 4; j++) features[r * 4 + j] = Math.max(0.1, CLASSES[k].mean[j] + CLASSES[k].sd[j] * normal());
  }
  return { features, labels, rows: count };
}

async function serverProcess(modelDir) {
  const { startScoringServer } = await import(new URL('serve/server.js', dist).href);
  const { ModelSource } = await import(new URL('serve/model-source.js', dist).href);
  const server = await startScoringServer({ source: new ModelSource(modelDir, undefined), port: 0, version: 'bench' });
  process.send({ url: server.url });
  process.on('message', async (message) => {
    if (message === 'stop') {
      await server.close();
      process.exit(0);
    }
  });
}

function parseArgs(argv) {
  const args = { duration: 10, connections: 10 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--duration') args.duration = Number(argv[++i]);
    else if (argv[i] === '--connections') args.connections = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

export async function writeDefaultModel(dir) {
  const { trainClassifier } = await import(new URL('model/train.js', dist).href);
  const { modelToFiles } = await import(new URL('model/format.js', dist).href);
  const { TRAINING_DEFAULTS } = await import(new URL('stages/train/params.js', dist).href);
  const data = generateRows(120);
  const { classifier } = await trainClassifier({ ...data, featureNames: FEATURES, labelNames: CLASSES.map((c) => c.label) }, { ...TRAINING_DEFAULTS });
  const files = await modelToFiles(classifier, { runId: 'bench', artifactPath: 'model', now: Date.UTC(2026, 10, 26) });
  for (const [relative, bytes] of files) {
    await mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
    await writeFile(path.join(dir, relative), bytes);
  }
  classifier.dispose();
}

function requestBody(rows, seed) {
  const { features } = generateRows(rows, seed);
  const data = Array.from({ length: rows }, (_, r) => Array.from(features.subarray(r * 4, r * 4 + 4), (x) => Number(x.toFixed(2))));
  return JSON.stringify({ dataframe_split: { columns: FEATURES, data } });
}

async function load(autocannon, url, body, options) {
  const run = (duration) =>
    autocannon({ url: `${url}/invocations`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: options.connections, duration });
  await run(1); // warm-up: JIT, tfjs kernels, keep-alive connections
  return run(options.duration);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const { default: autocannon } = await import('autocannon');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-bench-serve-'));
  let child;
  try {
    await writeDefaultModel(dir);
    child = fork(fileURLToPath(import.meta.url), ['--server', dir], { stdio: 'inherit' });
    const { url } = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    console.log(`node ${process.version}, ${os.cpus().length} cores; server ${url}; ${options.connections} connections, ${options.duration} s per case`);
    for (const rows of [1, 100]) {
      const result = await load(autocannon, url, requestBody(rows, SEED + rows), options);
      const non200 = result.non2xx + result.errors + result.timeouts;
      if (non200 > 0) throw new Error(`${non200} requests failed (${rows}-row case)`);
      const rps = result.requests.average;
      console.log(
        `${String(rows).padStart(3)} row(s)/request: ${rps.toFixed(0)} req/s (${(rps * rows).toFixed(0)} rows/s), ` +
          `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms; ${result.requests.total} requests, all 200`,
      );
    }
  } finally {
    child?.send('stop');
    await new Promise((resolve) => (child ? child.once('exit', resolve) : resolve()));
    await rm(dir, { recursive: true, force: true });
  }
}

// Run only as a script: bench/train.mjs imports generateRows from here.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  if (process.argv[2] === '--server') await serverProcess(process.argv[3]);
  else await main();
}
