// The load side of test/serve/responsiveness.test.ts, on a worker thread of its own so that building
// the bodies, uploading 4 × 16 MiB and reading 4 × 12 MB of answers never delays the test's /ping
// calls on the main thread (they measure the server, not this client); it also runs at a lower priority.
// workerData: {url, rows, maxBytes, features}. Posts {sizes} once the bodies are built; on 'go' sends
// the four requests at once (two CSV, two JSON) and posts {elapsedMs, answers: [{status, predictions, nulls}]}.
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

// On Linux a thread's nice value is its own: this client yields the CPU to the thread that pings.
if (process.platform === 'linux') setPriority(Math.min(19, getPriority() + 10));

const { url, rows, maxBytes, features } = workerData;

/** A decimal of exactly `width` characters for `value` (trailing zeros and a final 1). */
function padded(value, width) {
  const text = value.toFixed(1);
  return `${text}${'0'.repeat(width - text.length - 1)}1`;
}

/** `rows` rows padded to just under `maxBytes`. */
function maxSizeBody(kind, seed) {
  // Per row: 4 values, 3 separators and a newline (CSV) or brackets and commas (JSON): fill the body limit.
  const width = Math.floor((maxBytes - 1000) / rows / 4) - 2;
  const values = (r) => [5 + ((r + seed) % 3), 3 + ((r * 7) % 5) / 10, 1 + ((r + seed) % 6), 0.2 + (r % 3)].map((v) => padded(v, width));
  const lines = [];
  for (let r = 0; r < rows; r++) lines.push(kind === 'csv' ? values(r).join(',') : `[${values(r).join(',')}]`);
  return Buffer.from(kind === 'csv' ? `${features.join(',')}\n${lines.join('\n')}\n` : `{"dataframe_split":{"columns":${JSON.stringify(features)},"data":[${lines.join(',')}]}}`);
}

/** How many times `needle` occurs in `haystack` (native search; the answer is never parsed here). */
function occurrences(haystack, needle) {
  let count = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

const bodies = ['csv', 'json', 'csv', 'json'].map((kind, i) => ({ kind, bytes: maxSizeBody(kind, i) }));
parentPort.postMessage({ sizes: bodies.map(({ bytes }) => bytes.byteLength) });
parentPort.once('message', async () => {
  const started = performance.now();
  const answers = await Promise.all(
    bodies.map(async ({ kind, bytes }) => {
      const response = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': kind === 'csv' ? 'text/csv' : 'application/json' }, body: bytes });
      const answer = Buffer.from(await response.arrayBuffer());
      return { status: response.status, predictions: occurrences(answer, '"prediction":'), nulls: occurrences(answer, 'null') };
    }),
  );
  parentPort.postMessage({ elapsedMs: performance.now() - started, answers });
});
