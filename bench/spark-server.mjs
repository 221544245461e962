// One local Spark Connect server for the Spark benchmarks: the interop tests' server
// (interop/spark-server.mjs: the same script and conf), from the interop env's PySpark.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readyVersion, SERVE_SCRIPT, SERVER_ENV, serverConf } from '../interop/spark-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PYTHON = path.join(ROOT, '.interop', 'envs', 'mlflow3', 'bin', 'python');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * Starts the server on a free port; resolves with its sc:// URL, its Spark version and stop(), which
 * ends the process group (SIGTERM, then SIGKILL) and removes its work folder.
 * `env` is added to the server's environment (e.g. what Spark's Python workers need); `conf` adds
 * Spark conf (e.g. the event log, to see what the server ran).
 */
export async function startSparkServer({ driverMemory = '4g', env = {}, conf = {} } = {}) {
  const port = await freePort();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'bench-spark-'));
  const full = serverConf({ port, workDir, extra: { 'spark.driver.memory': driverMemory, ...conf } });
  const proc = spawn(PYTHON, ['-c', SERVE_SCRIPT, JSON.stringify(full)], { cwd: workDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, ...SERVER_ENV } });
  proc.stderr.resume();
  let out = '';
  proc.stdout.on('data', (chunk) => (out += chunk));
  const deadline = Date.now() + 240_000;
  while (readyVersion(out) === undefined) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error('Spark Connect server did not start');
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url: `sc://127.0.0.1:${port}`,
    version: readyVersion(out),
    stop: async () => {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {}
      await new Promise((r) => setTimeout(r, 2000));
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {}
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
