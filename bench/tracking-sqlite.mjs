// SQLite tracking store benchmark, three ways on the same machine in the same run:
//   (a) our SQLite store in-process (the local default, <root>/mlflow.db),
//   (b) our file store (mlruns/, the previous default),
//   (c) a real `mlflow server` (the interop env mlflow3) on the same SQLite file, driven by
//       MLflow's Python client (MlflowClient.log_batch in requests of 1,000; search_runs).
// Two workloads: log 10,000 metrics to one run (4 keys × 2,500 steps, seeded values), and search
// 1,000 runs (each with 2 params, 2 metrics, 2 tags) with a filter and an order_by, all pages.
// (a) and (c) share one database file: (a)'s 1,000 runs are the ones (c) searches.
// Times are medians of --repeat rounds after one warm-up; (c) is timed inside Python around the
// client calls (its start-up is not counted).
// Run `npm run build` and `node interop/provision.mjs mlflow3` first; then:
//   node bench/tracking-sqlite.mjs [--repeat 5] [--runs 1000] [--metrics 10000]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const dist = new URL('../dist/', import.meta.url);
const { FileTrackingStore } = await import(new URL('tracking/file-store/tracking-file-store.js', dist).href);
const { openTracking } = await import(new URL('tracking/open.js', dist).href);
const ROOT = new URL('..', import.meta.url).pathname;
const PYTHON = path.join(process.env.MLOPS_INTEROP_ENVS ?? path.join(ROOT, '.interop', 'envs'), 'mlflow3', 'bin', 'python');

const KEYS = ['loss', 'accuracy', 'val_loss', 'val_accuracy'];
const args = { repeat: 5, runs: 1000, metrics: 10_000 };
for (let i = 2; i < process.argv.length; i++) {
  const name = process.argv[i].replace(/^--/, '');
  if (!(name in args)) throw new Error(`unknown argument ${process.argv[i]}`);
  args[name] = Number(process.argv[++i]);
}

function makeMetrics(count) {
  let state = 20261205;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const start = Date.UTC(2026, 11, 5);
  return Array.from({ length: count }, (_, i) => ({ key: KEYS[i % KEYS.length], value: random(), timestamp: start + i, step: Math.floor(i / KEYS.length) }));
}
const FILTER = "metrics.accuracy > 0.5 and params.family = 'mlp'";
const ORDER = ['metrics.accuracy DESC'];

async function fillRuns(tracking, experimentId, count) {
  for (let i = 0; i < count; i++) {
    const run = await tracking.createRun({ experimentId, runName: `run-${i}`, startTime: 1_000 + i });
    await tracking.logBatch(run.runId, {
      params: { family: i % 2 === 0 ? 'mlp' : 'linear', units: String(i % 64) },
      metrics: [
        { key: 'accuracy', value: (i % 100) / 100, timestamp: 2_000, step: 0 },
        { key: 'loss', value: 1 - (i % 100) / 100, timestamp: 2_000, step: 0 },
      ],
      tags: { stage: 'train', index: String(i) },
    });
  }
}

async function searchAll(tracking, experimentId) {
  let token;
  let found = 0;
  do {
    const page = await tracking.searchRuns({ experimentIds: [experimentId], filter: FILTER, orderBy: ORDER, maxResults: 1000, ...(token ? { pageToken: token } : {}) });
    found += page.items.length;
    token = page.nextPageToken;
  } while (token !== undefined);
  return found;
}

async function timeOurs(tracking, searchExperimentId, metrics) {
  const experimentId = await tracking.createExperiment(`log-${Math.random().toString(36).slice(2)}`);
  const { runId } = await tracking.createRun({ experimentId });
  const t0 = performance.now();
  await tracking.logBatch(runId, { metrics });
  const logMs = performance.now() - t0;
  let arrived = 0;
  for (const key of KEYS) arrived += (await tracking.getMetricHistory(runId, key)).length;
  if (arrived !== metrics.length) throw new Error(`${arrived} of ${metrics.length} metrics arrived`);
  const t1 = performance.now();
  const found = await searchAll(tracking, searchExperimentId);
  return { logMs, searchMs: performance.now() - t1, found };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const PY_CLIENT = `
import json, sys, time
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient
url, search_experiment, count, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
client = MlflowClient(tracking_uri=url)
keys = ["loss", "accuracy", "val_loss", "val_accuracy"]
state = 20261205
values = []
for i in range(count):
    state = (state * 1664525 + 1013904223) % 2**32
    values.append(state / 2**32)
metrics = [Metric(keys[i % 4], values[i], 1764892800000 + i, i // 4) for i in range(count)]
results = []
for r in range(rounds + 1):
    exp = client.create_experiment("py-log-%d-%f" % (r, time.time()))
    run = client.create_run(exp)
    t0 = time.perf_counter()
    for start in range(0, count, 1000):
        client.log_batch(run.info.run_id, metrics=metrics[start:start + 1000])
    log_ms = (time.perf_counter() - t0) * 1000
    arrived = sum(len(client.get_metric_history(run.info.run_id, k)) for k in keys)
    assert arrived == count, arrived
    t1 = time.perf_counter()
    found, token = 0, None
    while True:
        page = client.search_runs([search_experiment], filter_string="${FILTER}", order_by=${JSON.stringify(ORDER)}, max_results=1000, page_token=token)
        found += len(page)
        token = page.token
        if not token: break
    search_ms = (time.perf_counter() - t1) * 1000
    if r > 0: results.append({"logMs": log_ms, "searchMs": search_ms, "found": found})
print(json.dumps(results))
`;

function runPython(script, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', script, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(err.slice(-3000)))));
  });
}

async function startMlflowServer(database, artifacts) {
  const port = await freePort();
  const child = spawn(PYTHON, ['-m', 'mlflow', 'server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1', '--backend-store-uri', `sqlite:///${database}`, '--artifacts-destination', artifacts], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (c) => (log += c));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 3000; i++) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited: ${log.slice(-2000)}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, stop: () => child.kill('SIGTERM') };
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error('mlflow server did not start in 600 s');
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-bench-sqlite-'));
const metrics = makeMetrics(args.metrics);
try {
  const database = path.join(dir, 'mlflow.db');
  const sqlite = openTracking(`sqlite:///${database}`, { baseDir: dir }).tracking;
  const file = new FileTrackingStore({ root: path.join(dir, 'mlruns') });
  const searchSqlite = await sqlite.createExperiment('search-1000');
  const searchFile = await file.createExperiment('search-1000');
  const fillStart = performance.now();
  await fillRuns(sqlite, searchSqlite, args.runs);
  const fillSqliteMs = performance.now() - fillStart;
  const fillFileStart = performance.now();
  await fillRuns(file, searchFile, args.runs);
  const fillFileMs = performance.now() - fillFileStart;

  const ours = { sqlite: [], file: [] };
  await timeOurs(sqlite, searchSqlite, metrics);
  await timeOurs(file, searchFile, metrics);
  for (let round = 0; round < args.repeat; round++) {
    ours.sqlite.push(await timeOurs(sqlite, searchSqlite, metrics));
    ours.file.push(await timeOurs(file, searchFile, metrics));
  }
  console.error(`(a) SQLite log ${ours.sqlite.map((r) => r.logMs.toFixed(0)).join(', ')} ms, search ${ours.sqlite.map((r) => r.searchMs.toFixed(0)).join(', ')} ms; (b) file store log ${ours.file.map((r) => r.logMs.toFixed(0)).join(', ')} ms, search ${ours.file.map((r) => r.searchMs.toFixed(0)).join(', ')} ms`);
  const server = await startMlflowServer(database, path.join(dir, 'mlartifacts'));
  let python;
  try {
    python = await runPython(PY_CLIENT, [server.url, searchSqlite, String(args.metrics), String(args.repeat)]);
  } finally {
    server.stop();
  }
  const rows = [
    ['(a) our SQLite store, in-process', ours.sqlite],
    ['(b) our file store (mlruns/)', ours.file],
    ['(c) mlflow server 3.x on the same SQLite file, MLflow Python client', python],
  ];
  const expected = ours.sqlite[0].found;
  for (const [name, results] of rows) for (const r of results) if (r.found !== expected) throw new Error(`${name}: search found ${r.found}, expected ${expected}`);
  console.log(`${args.metrics} metrics to one run; search of ${args.runs} runs (filter ${FILTER}, order by ${ORDER[0]}; ${expected} match); median of ${args.repeat} after a warm-up`);
  console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}; filling ${args.runs} runs took ${fillSqliteMs.toFixed(0)} ms (SQLite) and ${fillFileMs.toFixed(0)} ms (file store)`);
  console.log('| case | log 10,000 metrics (median) | all rounds (ms) | search 1,000 runs (median) | all rounds (ms) |');
  console.log('|---|---:|---|---:|---|');
  for (const [name, results] of rows) {
    console.log(`| ${name} | ${median(results.map((r) => r.logMs)).toFixed(1)} ms | ${results.map((r) => r.logMs.toFixed(0)).join(', ')} | ${median(results.map((r) => r.searchMs)).toFixed(1)} ms | ${results.map((r) => r.searchMs.toFixed(0)).join(', ')} |`);
  }
  const a = ours.sqlite;
  const c = python;
  console.log(`(c)/(a): logging ${(median(c.map((r) => r.logMs)) / median(a.map((r) => r.logMs))).toFixed(1)}×, searching ${(median(c.map((r) => r.searchMs)) / median(a.map((r) => r.searchMs))).toFixed(1)}×`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
