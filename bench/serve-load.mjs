// Serving under load (issue #17): four concurrent maximum-size /invocations requests — the default
// row limit (100,000 rows) padded to just under the default body limit (16 MiB), two CSV and two
// JSON — while /ping is called every 20 ms. The server runs in a child process that samples its
// RSS every 10 ms (on a thread of its own, not its event loop) and its event-loop delay. The four
// requests come from a worker thread (at nice +10 on Linux), and /ping from another one
// (test/helpers/serve-pinger.mjs: node:http on one kept-alive connection, as a health checker calls). Reports time, requests/s, server RSS (idle, peak), /ping latency percentiles and the
// server's event-loop delay.
// Run `npm run build` first; then:
//   node bench/serve-load.mjs [--repeat 3]
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { writeDefaultModel } from './serve.mjs';

// MLOPS_DIST=/path/to/other/dist measures another build (e.g. the one before this change) the same way.
const dist = process.env.MLOPS_DIST ? new URL(`file://${process.env.MLOPS_DIST.replace(/\/?$/, '/')}`) : new URL('../dist/', import.meta.url);
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

async function serverProcess(modelDir) {
  const { startScoringServer } = await import(new URL('serve/server.js', dist).href);
  const { ModelSource } = await import(new URL('serve/model-source.js', dist).href);
  const server = await startScoringServer({ source: new ModelSource(modelDir, undefined), port: 0 });
  const peak = new Float64Array(new SharedArrayBuffer(8));
  peak[0] = process.memoryUsage.rss();
  new Worker(
    `const { workerData } = require('node:worker_threads');
     const peak = new Float64Array(workerData);
     setInterval(() => { peak[0] = Math.max(peak[0], process.memoryUsage.rss()); }, 10);`,
    { eval: true, workerData: peak.buffer },
  ).unref();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  process.on('message', async (message) => {
    if (message === 'reset') {
      peak[0] = process.memoryUsage.rss();
      loop.reset();
      process.send({ peak: peak[0] });
    } else if (message === 'peak') process.send({ peak: Math.max(peak[0], process.memoryUsage.rss()), loopMax: loop.max / 1e6, loopP99: loop.percentile(99) / 1e6 });
    else if (message === 'stop') {
      await server.close();
      process.exit(0);
    }
  });
  process.send({ url: server.url });
}

function body(kind, seed, maxRows, maxBytes) {
  const width = Math.floor((maxBytes - 1000) / maxRows / 4) - 2;
  const pad = (v) => {
    const text = v.toFixed(1);
    return `${text}${'0'.repeat(width - text.length - 1)}1`;
  };
  const values = (r) => [5 + ((r + seed) % 3), 3 + ((r * 7) % 5) / 10, 1 + ((r + seed) % 6), 0.2 + (r % 3)].map(pad);
  const rows = [];
  for (let r = 0; r < maxRows; r++) rows.push(kind === 'csv' ? values(r).join(',') : `[${values(r).join(',')}]`);
  return Buffer.from(kind === 'csv' ? `${FEATURES.join(',')}\n${rows.join('\n')}\n` : `{"dataframe_split":{"columns":${JSON.stringify(FEATURES)},"data":[${rows.join(',')}]}}`);
}

/** The load: builds the four bodies, then on 'go' sends them at once and answers with their statuses. */
async function clientThread({ url, maxRows, maxBytes }) {
  if (process.platform === 'linux') os.setPriority(Math.min(19, os.getPriority() + 10));
  const bodies = ['csv', 'json', 'csv', 'json'].map((kind, i) => ({ kind, bytes: body(kind, i, maxRows, maxBytes) }));
  parentPort.postMessage({ size: bodies[0].bytes.length });
  parentPort.on('message', async () => {
    const started = performance.now();
    const statuses = await Promise.all(bodies.map(async ({ kind, bytes }) => {
      const response = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': kind === 'csv' ? 'text/csv' : 'application/json' }, body: bytes });
      await response.arrayBuffer();
      return response.status;
    }));
    parentPort.postMessage({ statuses, elapsed: performance.now() - started });
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function main() {
  const repeat = process.argv[2] === '--repeat' ? Number(process.argv[3]) : 3;
  const server = await import(new URL('serve/server.js', dist).href);
  const DEFAULT_MAX_ROWS = server.DEFAULT_MAX_ROWS ?? 100_000;
  const DEFAULT_MAX_BODY_BYTES = server.DEFAULT_MAX_BODY_BYTES;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-bench-serve-load-'));
  let child;
  try {
    await writeDefaultModel(dir);
    child = fork(fileURLToPath(import.meta.url), ['--server', dir], { stdio: 'inherit' });
    const ask = (message) => new Promise((resolve) => {
      child.once('message', resolve);
      child.send(message);
    });
    const { url } = await new Promise((resolve) => child.once('message', resolve));
    const client = new Worker(new URL(import.meta.url), { workerData: { url, maxRows: DEFAULT_MAX_ROWS, maxBytes: DEFAULT_MAX_BODY_BYTES } });
    const next = () => new Promise((resolve, reject) => {
      client.once('message', resolve);
      client.once('error', reject);
    });
    const { size } = await next();
    console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; 4 × ${DEFAULT_MAX_ROWS} rows, ${(size / 2 ** 20).toFixed(1)} MiB each`);
    for (let round = 1; round <= repeat; round++) {
      const { peak: idle } = await ask('reset');
      const answered = next();
      // /ping from a thread of its own, as the responsiveness test does (node:http, one kept-alive connection).
      const pinger = new Worker(new URL('../test/helpers/serve-pinger.mjs', import.meta.url), { workerData: { url } });
      const pinged = new Promise((resolve, reject) => {
        pinger.once('message', resolve);
        pinger.once('error', reject);
      });
      client.postMessage('go');
      const { statuses, elapsed } = await answered.finally(() => pinger.postMessage('stop'));
      const { pings, statuses: pingStatuses } = await pinged;
      if (pingStatuses.some((s) => s !== 200)) throw new Error(`/ping statuses ${pingStatuses}`);
      const { peak, loopMax, loopP99 } = await ask('peak');
      if (statuses.some((s) => s !== 200)) throw new Error(`statuses ${statuses}`);
      const sorted = pings.sort((a, b) => a - b);
      console.log(
        `round ${round}: ${(elapsed / 1000).toFixed(1)} s (${(4 / (elapsed / 1000)).toFixed(2)} requests/s, ${((4 * DEFAULT_MAX_ROWS) / (elapsed / 1000) / 1000).toFixed(0)}k rows/s); server RSS idle ${(idle / 2 ** 20).toFixed(0)} MB, peak ${(peak / 2 ** 20).toFixed(0)} MB; ` +
          `/ping ×${pings.length}: p50 ${pct(sorted, 0.5).toFixed(1)} ms, p90 ${pct(sorted, 0.9).toFixed(1)} ms, p99 ${pct(sorted, 0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms; ` +
          `server event-loop delay p99 ${loopP99.toFixed(1)} ms, max ${loopMax.toFixed(1)} ms; load ${os.loadavg()[0].toFixed(1)}`,
      );
    }
    await client.terminate();
  } finally {
    child?.send('stop');
    await new Promise((resolve) => (child ? child.once('exit', resolve) : resolve()));
    await rm(dir, { recursive: true, force: true });
  }
}

if (!isMainThread) await clientThread(workerData);
else if (process.argv[2] === '--server') await serverProcess(process.argv[3]);
else await main();
