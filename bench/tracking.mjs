// Tracking benchmark: log 10,000 metrics (seeded values, 4 keys × 2,500 steps) to one run
//   1. on the file store directly (one logBatch call),
//   2. through the REST client to our MLflow-compatible server on 127.0.0.1 (the client splits the
//      batch into log-batch requests of at most 1,000 metrics), and
//   3. for comparison, through the same server with one runs/log-metric request per metric, which
//      is what a client that does not batch would send.
// Each case gets a fresh store and run; every case reads the history back to check all 10,000 arrived.
// Run `npm run build` first; then:
//   node bench/tracking.mjs [--metrics 10000] [--repeat 5] [--repeat-unbatched 1] [--skip-unbatched]
// One unmeasured warm-up round of the two fast cases comes first (JIT, file system caches).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const dist = new URL('../dist/', import.meta.url);
const { FileTrackingStore } = await import(new URL('tracking/file-store/tracking-file-store.js', dist).href);
const { openRestTracking } = await import(new URL('tracking/rest/open-rest.js', dist).href);
const { startTrackingServer } = await import(new URL('tracking/server/server.js', dist).href);

const SEED = 20261126;
const KEYS = ['loss', 'accuracy', 'val_loss', 'val_accuracy'];

function parseArgs(argv) {
  const args = { metrics: 10_000, repeat: 5, repeatUnbatched: 1, unbatched: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--metrics') args.metrics = Number(argv[++i]);
    else if (argv[i] === '--repeat') args.repeat = Number(argv[++i]);
    else if (argv[i] === '--repeat-unbatched') args.repeatUnbatched = Number(argv[++i]);
    else if (argv[i] === '--skip-unbatched') args.unbatched = false;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

/** Seeded metrics: key i % 4, step ⌊i / 4⌋, values from a linear congruential generator. */
function makeMetrics(count) {
  let state = SEED;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const start = Date.UTC(2026, 10, 26);
  return Array.from({ length: count }, (_, i) => ({ key: KEYS[i % KEYS.length], value: random(), timestamp: start + i, step: Math.floor(i / KEYS.length) }));
}

async function historyCount(tracking, runId) {
  let total = 0;
  for (const key of KEYS) total += (await tracking.getMetricHistory(runId, key)).length;
  return total;
}

async function fileStoreCase(metrics) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-bench-tracking-'));
  try {
    const store = new FileTrackingStore({ root: path.join(dir, 'mlruns') });
    const experimentId = await store.createExperiment('bench');
    const { runId } = await store.createRun({ experimentId });
    const t0 = performance.now();
    await store.logBatch(runId, { metrics });
    const ms = performance.now() - t0;
    const t1 = performance.now();
    const arrived = await historyCount(store, runId);
    return { ms, requests: 0, arrived, readMs: performance.now() - t1 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function restCase(metrics, batched) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-bench-tracking-'));
  const server = await startTrackingServer({ root: path.join(dir, 'mlruns') });
  try {
    const { tracking, http } = openRestTracking({ uri: server.url });
    const experimentId = await tracking.createExperiment('bench');
    const { runId } = await tracking.createRun({ experimentId });
    const before = http.requestCount;
    const t0 = performance.now();
    if (batched) {
      await tracking.logBatch(runId, { metrics });
    } else {
      for (const metric of metrics) {
        await http.request('POST', '/api/2.0/mlflow/runs/log-metric', { json: { run_id: runId, key: metric.key, value: metric.value, timestamp: metric.timestamp, step: metric.step } });
      }
    }
    const ms = performance.now() - t0;
    const requests = http.requestCount - before;
    const t1 = performance.now();
    const arrived = await historyCount(tracking, runId);
    return { ms, requests, arrived, readMs: performance.now() - t1 };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const args = parseArgs(process.argv.slice(2));
const metrics = makeMetrics(args.metrics);
const cases = [
  ['file store, one logBatch call', () => fileStoreCase(metrics), args.repeat],
  ['REST client → our server (batched log-batch)', () => restCase(metrics, true), args.repeat],
  ...(args.unbatched ? [['REST, one runs/log-metric request per metric', () => restCase(metrics, false), args.repeatUnbatched]] : []),
];
for (const [, run, times] of cases.slice(0, 2)) if (times > 0) await run();
const results = new Map(cases.map(([name]) => [name, []]));
for (let round = 0; round < Math.max(...cases.map(([, , times]) => times)); round++) {
  // Interleaved, so that load from elsewhere on the machine hits every case alike.
  for (const [name, run, times] of cases) {
    if (round >= times) continue;
    const result = await run();
    if (result.arrived !== args.metrics) throw new Error(`${name}: ${result.arrived} of ${args.metrics} metrics arrived`);
    results.get(name).push(result);
  }
}

console.log(`${args.metrics} metrics, ${KEYS.length} keys, after one warm-up round (node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`);
console.log('| case | requests | log time (median) | all runs (ms) | metrics/s (median) | read back (median) |');
console.log('|---|---:|---:|---|---:|---:|');
for (const [name, runs] of results) {
  const ms = median(runs.map((run) => run.ms));
  console.log(
    `| ${name} | ${runs[0].requests} | ${ms.toFixed(0)} ms | ${runs.map((run) => run.ms.toFixed(0)).join(', ')} | ${Math.round(args.metrics / (ms / 1000)).toLocaleString('en')} | ${median(runs.map((run) => run.readMs)).toFixed(0)} ms |`,
  );
}
