// Serving under load (issue #17): four concurrent maximum-size /invocations requests — the default
// row limit (100,000 rows) padded to just under the default body limit (16 MiB), two CSV and two
// JSON — while /ping is called every 20 ms. The server runs in a child process that samples its
// RSS every 10 ms and its event-loop delay. Reports time, server RSS (idle, peak), /ping latency
// percentiles and the server's event-loop delay.
// Run `npm run build` first; then:
//   node bench/serve-load.mjs [--repeat 3]
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeDefaultModel } from './serve.mjs';

// MLOPS_DIST=/path/to/other/dist measures another build (e.g. the one before this change) the same way.
const dist = process.env.MLOPS_DIST ? new URL(`file://${process.env.MLOPS_DIST.replace(/\/?$/, '/')}`) : new URL('../dist/', import.meta.url);
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

async function serverProcess(modelDir) {
  const { startScoringServer } = await import(new URL('serve/server.js', dist).href);
  const { ModelSource } = await import(new URL('serve/model-source.js', dist).href);
  const server = await startScoringServer({ source: new ModelSource(modelDir, undefined), port: 0 });
  let peak = process.memoryUsage.rss();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10).unref();
  process.on('message', async (message) => {
    if (message === 'reset') {
      peak = process.memoryUsage.rss();
      loop.reset();
      process.send({ peak });
    } else if (message === 'peak') process.send({ peak, loopMax: loop.max / 1e6, loopP99: loop.percentile(99) / 1e6 });
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
    const bodies = ['csv', 'json', 'csv', 'json'].map((kind, i) => ({ kind, bytes: body(kind, i, DEFAULT_MAX_ROWS, DEFAULT_MAX_BODY_BYTES) }));
    console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; 4 × ${DEFAULT_MAX_ROWS} rows, ${(bodies[0].bytes.length / 2 ** 20).toFixed(1)} MiB each`);
    for (let round = 1; round <= repeat; round++) {
      const { peak: idle } = await ask('reset');
      let done = false;
      const pings = [];
      const pinger = (async () => {
        while (!done) {
          const t = performance.now();
          await (await fetch(`${url}/ping`)).arrayBuffer();
          pings.push(performance.now() - t);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const started = performance.now();
      const statuses = await Promise.all(bodies.map(async ({ kind, bytes }) => {
        const response = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': kind === 'csv' ? 'text/csv' : 'application/json' }, body: bytes });
        await response.arrayBuffer();
        return response.status;
      }));
      const elapsed = performance.now() - started;
      done = true;
      await pinger;
      const { peak, loopMax, loopP99 } = await ask('peak');
      if (statuses.some((s) => s !== 200)) throw new Error(`statuses ${statuses}`);
      const sorted = pings.sort((a, b) => a - b);
      console.log(
        `round ${round}: ${(elapsed / 1000).toFixed(1)} s; server RSS idle ${(idle / 2 ** 20).toFixed(0)} MB, peak ${(peak / 2 ** 20).toFixed(0)} MB; ` +
          `/ping ×${pings.length}: p50 ${pct(sorted, 0.5).toFixed(1)} ms, p90 ${pct(sorted, 0.9).toFixed(1)} ms, p99 ${pct(sorted, 0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms; ` +
          `server event-loop delay p99 ${loopP99.toFixed(1)} ms, max ${loopMax.toFixed(1)} ms; load ${os.loadavg()[0].toFixed(1)}`,
      );
    }
  } finally {
    child?.send('stop');
    await new Promise((resolve) => (child ? child.once('exit', resolve) : resolve()));
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--server') await serverProcess(process.argv[3]);
else await main();
