// The /ping side of test/serve/responsiveness.test.ts, on a worker thread of its own with a tiny
// heap: the test file's main thread (vitest's, with its larger heap and its garbage collections)
// must not be what delays a call. workerData: {url}. Calls GET /ping every 20 ms until 'stop',
// then posts {pings: [ms…], statuses: [status…]}.
import { parentPort, workerData } from 'node:worker_threads';

let stop = false;
parentPort.once('message', () => (stop = true));
const pings = [];
const statuses = new Set();
while (!stop) {
  const started = performance.now();
  const response = await fetch(`${workerData.url}/ping`);
  await response.arrayBuffer();
  pings.push(performance.now() - started);
  statuses.add(response.status);
  await new Promise((resolve) => setTimeout(resolve, 20));
}
parentPort.postMessage({ pings, statuses: [...statuses] });
