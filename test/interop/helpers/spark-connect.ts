import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pythonOf } from './python.js';
import { freePort, startPeer } from './peer.js';
import type { Peer } from './peer.js';

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

// A local Spark application with the Connect plugin: Spark 4 builds the Connect server into its jars
// (pyspark's pip package has no sbin/start-connect-server.sh). It serves until it is signalled; the
// JVM is in the same process group, so Peer.stop() ends both.
const SERVE = `
import sys, json, signal
from pyspark.sql import SparkSession
conf = json.loads(sys.argv[1])
builder = SparkSession.builder.master(conf.pop("master")).appName("mlops-e2e-interop")
for key, value in conf.items():
    builder = builder.config(key, value)
spark = builder.getOrCreate()
print("spark-connect ready", spark.version, flush=True)
signal.pause()
`;

/** Starts a real Spark Connect server on 127.0.0.1 and a free port; ready when its gRPC port accepts. */
export async function startSparkConnect(options: StartSparkConnectOptions = {}): Promise<SparkConnectServer> {
  const port = await freePort();
  const workDir = options.workDir ?? (await mkdtemp(path.join(tmpdir(), 'mlops-spark-')));
  const conf = {
    master: options.master ?? 'local[2]',
    'spark.plugins': 'org.apache.spark.sql.connect.SparkConnectPlugin',
    'spark.connect.grpc.binding.address': '127.0.0.1',
    'spark.connect.grpc.binding.port': String(port),
    'spark.sql.warehouse.dir': path.join(workDir, 'spark-warehouse'),
    'spark.driver.extraJavaOptions': `-Dderby.system.home=${workDir}`,
    'spark.ui.enabled': 'false',
    'spark.sql.shuffle.partitions': '4',
    ...options.conf,
  };
  const peer = await startPeer({
    name: 'spark connect server',
    command: pythonOf('mlflow3'),
    args: ['-c', SERVE, JSON.stringify(conf)],
    cwd: workDir,
    env: { PYSPARK_PYTHON: pythonOf('mlflow3'), SPARK_LOCAL_IP: '127.0.0.1' },
    readyPort: port,
    timeoutMs: 240_000,
  });
  return { url: `sc://127.0.0.1:${port}`, port, workDir, peer, stop: () => peer.stop() };
}
