// The /ping side of test/serve/responsiveness.test.ts, on a worker thread of its own with a tiny
// heap: the test file's main thread (vitest's, with its larger heap and its garbage collections)
// must not be what delays a call. workerData: {url}. Calls GET /ping every 20 ms until 'stop',
// then posts {pings: [ms…], statuses: [status…]}.
// It calls with node:http on one kept-alive connection, as a health checker does: fetch's WHATWG
// streams make garbage on every call, and this thread's own collections must not be what is measured.
import { Agent, get } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
/** GET url: the status, once the whole body has arrived. */
function ping(url) {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      response.on('data', () => {});
      response.on('end', () => resolve(response.statusCode));
      response.on('error', reject);
    }).on('error', reject);
  });
}

let stop = false;
parentPort.once('message', () => (stop = true));
const pings = [];
const statuses = new Set();
while (!stop) {
  const started = performance.now();
  statuses.add(await ping(`${workerData.url}/ping`));
  pings.push(performance.now() - started);
  await new Promise((resolve) => setTimeout(resolve, 20));
}
agent.destroy();
parentPort.postMessage({ pings, statuses: [...statuses] });
