import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pythonOf } from './python.js';
import { freePort, startPeer } from './peer.js';
import type { Peer } from './peer.js';
import { READY_LINE, readyVersion, SERVE_SCRIPT, SERVER_ENV, serverConf } from '../../../interop/spark-server.mjs';

export interface SparkConnectServer {
  /** sc://127.0.0.1:<port> — a remote for SparkSession.builder().remote(url). */
  url: string;
  port: number;
  /** The Spark application's working folder: spark-warehouse/ and metastore_db/ live here. */
  workDir: string;
  peer: Peer;
  stop(): Promise<void>;
}

export interface StartSparkConnectOptions {
  /** Extra Spark conf, e.g. spark.connect.execute.reattachable.senderMaxStreamDuration. */
  conf?: Record<string, string>;
  /** local[N]; local[2] by default (this machine has 2 cores). */
  master?: string;
  workDir?: string;
}

/** Starts a real Spark Connect server on 127.0.0.1 and a free port; ready when its gRPC port accepts. */
export async function startSparkConnect(options: StartSparkConnectOptions = {}): Promise<SparkConnectServer> {
  const port = await freePort();
  const workDir = options.workDir ?? (await mkdtemp(path.join(tmpdir(), 'mlops-spark-')));
  const conf = serverConf({ port, workDir, ...(options.master !== undefined ? { master: options.master } : {}), extra: { 'spark.sql.shuffle.partitions': '4', ...options.conf } });
  const peer = await startPeer({
    name: 'spark connect server',
    command: pythonOf('mlflow3'),
    args: ['-c', SERVE_SCRIPT, JSON.stringify(conf)],
    cwd: workDir,
    env: { PYSPARK_PYTHON: pythonOf('mlflow3'), ...SERVER_ENV },
    readyPort: port,
    timeoutMs: 240_000,
  });
  // Ready when the script says so (see READY_LINE): the port opens before the default session exists.
  const deadline = Date.now() + 120_000;
  while (readyVersion(peer.output()) === undefined) {
    if (Date.now() > deadline) {
      await peer.stop();
      throw new Error(`spark connect server opened port ${port} but never printed "${READY_LINE}":\n${peer.output().slice(-6000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url: `sc://127.0.0.1:${port}`, port, workDir, peer, stop: () => peer.stop() };
}
