// A scoring server in its own process, for tests that measure it alone (RSS, responsiveness):
// `fork('serve-process.mjs', [modelDir])` → sends {url}; answers 'peak' with {peak} (the highest
// RSS sampled every 10 ms since start or 'reset', and the event loop's delay); 'stop' closes the server and exits.
// RSS is sampled on a thread of its own: reading it takes the kernel's lock on the process's memory
// map, which waits while a scoring worker maps or unmaps big buffers — that wait must not be counted
// as the server's event loop being blocked.
// It runs the compiled package in dist/ (npm run build), as the scoring workers do.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

const dist = new URL('../../dist/', import.meta.url);
const { startScoringServer } = await import(new URL('serve/server.js', dist).href);
const { ModelSource } = await import(new URL('serve/model-source.js', dist).href);

const server = await startScoringServer({ source: new ModelSource(process.argv[2], undefined), port: 0 });
// The sampler keeps the peak in shared memory: peak[0] (bytes), set to the current RSS on 'reset'.
const peak = new Float64Array(new SharedArrayBuffer(8));
const sampler = new Worker(
  `const { workerData } = require('node:worker_threads');
   const peak = new Float64Array(workerData);
   setInterval(() => { peak[0] = Math.max(peak[0], process.memoryUsage.rss()); }, 10);`,
  { eval: true, workerData: peak.buffer },
);
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
process.on('message', async (message) => {
  if (message === 'reset') {
    peak[0] = process.memoryUsage.rss();
    loop.reset();
    process.send({ peak: peak[0] });
  } else if (message === 'peak') process.send({ peak: Math.max(peak[0], process.memoryUsage.rss()), loopDelayMaxMs: loop.max / 1e6, loopDelayP99Ms: loop.percentile(99) / 1e6 });
  else if (message === 'stop') {
    await sampler.terminate();
    await server.close();
    process.exit(0);
  }
});
process.send({ url: server.url });
