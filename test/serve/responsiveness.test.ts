import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_ROWS } from '../../src/serve/server.js';
import { IRIS_FEATURES, writeServedModelDir } from '../helpers/served-model-dir.js';

/**
 * Four concurrent requests of the maximum size — DEFAULT_MAX_ROWS rows padded to just under
 * DEFAULT_MAX_BODY_BYTES, two CSV and two JSON — while /ping is called every 20 ms. Scoring runs
 * on worker threads, so /ping must keep answering fast, and memory must stay bounded (before, four
 * 16 MB CSV requests took 1.8 GB and /ping waited 4 s). The server runs in a process of its own
 * (test/helpers/serve-process.mjs, default options), which samples its RSS every 10 ms.
 */

let dir: string;
let child: ChildProcess | undefined;
let url: string;

/** Sends `message` to the server process and waits for its next reply. */
function ask<T>(message: string): Promise<T> {
  return new Promise((resolve) => {
    child!.once('message', (reply) => resolve(reply as T));
    child!.send(message);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-serve-load-'));
  await writeServedModelDir(dir);
  child = fork(path.join(import.meta.dirname, '..', 'helpers', 'serve-process.mjs'), [dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  url = await new Promise<string>((resolve, reject) => {
    child!.once('message', (message) => resolve((message as { url: string }).url));
    child!.once('exit', (code) => reject(new Error(`the server process exited with ${code}`)));
  });
});
afterAll(async () => {
  if (child?.connected) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.send('stop');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

/** A decimal of exactly `width` characters for `value` (trailing zeros and a final 1). */
function padded(value: number, width: number): string {
  const text = value.toFixed(1);
  return `${text}${'0'.repeat(width - text.length - 1)}1`;
}

function maxSizeBody(kind: 'csv' | 'json', seed: number): string {
  const rows = DEFAULT_MAX_ROWS;
  // Per row: 4 values, 3 separators and a newline (CSV) or brackets and commas (JSON): fill the body limit.
  const width = Math.floor((DEFAULT_MAX_BODY_BYTES - 1000) / rows / 4) - 2;
  const values = (r: number) => [5 + ((r + seed) % 3), 3 + ((r * 7) % 5) / 10, 1 + ((r + seed) % 6), 0.2 + (r % 3)].map((v) => padded(v, width));
  if (kind === 'csv') {
    const lines = [IRIS_FEATURES.join(',')];
    for (let r = 0; r < rows; r++) lines.push(values(r).join(','));
    return `${lines.join('\n')}\n`;
  }
  const data: string[] = [];
  for (let r = 0; r < rows; r++) data.push(`[${values(r).join(',')}]`);
  return `{"dataframe_split":{"columns":${JSON.stringify(IRIS_FEATURES)},"data":[${data.join(',')}]}}`;
}

/** How many times `needle` occurs in `haystack` (native search; the response is never parsed here). */
function occurrences(haystack: Buffer, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

describe('the scoring server under four concurrent maximum-size requests', () => {
  it('keeps the server under 600 MB RSS and answers /ping in under 100 ms (9 calls in 10) while scoring them', async () => {
    const bodies = (['csv', 'json', 'csv', 'json'] as const).map((kind, i) => ({ kind, body: Buffer.from(maxSizeBody(kind, i)) }));
    for (const { body } of bodies) {
      expect(body.byteLength).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES);
      expect(body.byteLength).toBeGreaterThan(DEFAULT_MAX_BODY_BYTES * 0.95);
    }
    const { peak: idleRss } = await ask<{ peak: number }>('reset');
    let loadDone = false;
    const pings: number[] = [];
    const pinger = (async () => {
      while (!loadDone) {
        const started = performance.now();
        const response = await fetch(`${url}/ping`);
        await response.arrayBuffer();
        expect(response.status).toBe(200);
        pings.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const started = performance.now();
    const answers = await Promise.all(
      bodies.map(async ({ kind, body }) => {
        const response = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': kind === 'csv' ? 'text/csv' : 'application/json' }, body });
        return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
      }),
    );
    const elapsed = performance.now() - started;
    loadDone = true;
    await pinger;
    const { peak: peakRss, loopDelayMaxMs, loopDelayP99Ms } = await ask<{ peak: number; loopDelayMaxMs: number; loopDelayP99Ms: number }>('peak');
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(occurrences(answer.bytes, '"prediction":')).toBe(DEFAULT_MAX_ROWS);
      expect(occurrences(answer.bytes, 'null')).toBe(0);
    }
    const slowest = Math.max(...pings);
    const sorted = [...pings].sort((a, b) => a - b);
    console.log(`pings p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} p90 ${sorted[Math.floor(sorted.length * 0.9)]!.toFixed(1)} p99 ${sorted[Math.floor(sorted.length * 0.99)]!.toFixed(1)}; over 100 ms: ${pings.filter((p) => p > 100).length}; load ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
    console.log(`4 × ${DEFAULT_MAX_ROWS} rows (${(bodies[0]!.body.byteLength / 2 ** 20).toFixed(1)} MiB each): ${elapsed.toFixed(0)} ms; server RSS idle ${(idleRss / 2 ** 20).toFixed(0)} MB, peak ${(peakRss / 2 ** 20).toFixed(0)} MB; /ping ${pings.length} calls, slowest ${slowest.toFixed(1)} ms; server event loop delay p99 ${loopDelayP99Ms.toFixed(1)} ms, max ${loopDelayMaxMs.toFixed(1)} ms`);
    expect(pings.length).toBeGreaterThan(3);
    expect(peakRss).toBeLessThan(600 * 1024 * 1024);
    // Nine /ping calls in ten under 100 ms while ~36 s of scoring runs (scoring on the event loop
    // made every call during a request wait for all of it: seconds). Not every call: on a shared
    // 2-core machine the OS alone delays some (the slowest is printed, and recorded in bench/RESULTS.md).
    expect(sorted[Math.floor(sorted.length * 0.9)]!).toBeLessThan(100);
  }, 120_000);
});
