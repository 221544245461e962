// A scoring server in its own process, for tests that measure it alone (RSS, responsiveness):
// `fork('serve-process.mjs', [modelDir])` → sends {url}; answers 'peak' with {peak} (the highest
// RSS sampled every 10 ms since start or 'reset', and the event loop's delay); 'stop' closes the server and exits.
// It runs the compiled package in dist/ (npm run build), as the scoring workers do.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const dist = new URL('../../dist/', import.meta.url);
const { startScoringServer } = await import(new URL('serve/server.js', dist).href);
const { ModelSource } = await import(new URL('serve/model-source.js', dist).href);

const server = await startScoringServer({ source: new ModelSource(process.argv[2], undefined), port: 0 });
let peak = process.memoryUsage.rss();
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
process.on('message', async (message) => {
  if (message === 'reset') {
    peak = process.memoryUsage.rss();
    loop.reset();
    process.send({ peak });
  } else if (message === 'peak') process.send({ peak, loopDelayMaxMs: loop.max / 1e6, loopDelayP99Ms: loop.percentile(99) / 1e6 });
  else if (message === 'stop') {
    clearInterval(sampler);
    await server.close();
    process.exit(0);
  }
});
process.send({ url: server.url });
