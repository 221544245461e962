// One local Spark Connect server for the Spark benchmarks: the same local[2] Spark application with
// the Connect plugin that test/interop/helpers/spark-connect.ts starts, from the interop env's PySpark.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PYTHON = path.join(ROOT, '.interop', 'envs', 'mlflow3', 'bin', 'python');

const SERVE = `
import sys, json, signal
from pyspark.sql import SparkSession
conf = json.loads(sys.argv[1])
b = SparkSession.builder.master(conf.pop("master"))
for k, v in conf.items():
    b = b.config(k, v)
s = b.getOrCreate()
print("ready", s.version, flush=True)
signal.pause()
`;

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
 * `env` is added to the server's environment (e.g. what Spark's Python workers need).
 */
export async function startSparkServer({ driverMemory = '4g', env = {} } = {}) {
  const port = await freePort();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'bench-spark-'));
  const conf = {
    master: 'local[2]',
    'spark.plugins': 'org.apache.spark.sql.connect.SparkConnectPlugin',
    'spark.connect.grpc.binding.address': '127.0.0.1',
    'spark.connect.grpc.binding.port': String(port),
    'spark.sql.warehouse.dir': path.join(workDir, 'spark-warehouse'),
    'spark.driver.extraJavaOptions': `-Dderby.system.home=${workDir}`,
    'spark.ui.enabled': 'false',
    'spark.driver.memory': driverMemory,
  };
  const proc = spawn(PYTHON, ['-c', SERVE, JSON.stringify(conf)], { cwd: workDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, SPARK_LOCAL_IP: '127.0.0.1' } });
  proc.stderr.resume();
  // Ready when the script says so: the port opens before the default session exists.
  let out = '';
  proc.stdout.on('data', (chunk) => (out += chunk));
  const deadline = Date.now() + 240_000;
  while (!out.includes('ready')) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error('Spark Connect server did not start');
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url: `sc://127.0.0.1:${port}`,
    version: out.split(/\s+/)[1],
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
