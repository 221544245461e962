// The local Spark Connect server that the interop tests (test/interop/helpers/spark-connect.ts) and
// the Spark benchmarks (bench/spark-server.mjs) start: a Spark application from the interop env's
// PySpark with the Connect plugin (Spark 4 builds the Connect server into its jars; pyspark's pip
// package has no sbin/start-connect-server.sh), on 127.0.0.1, its warehouse and Derby metastore in
// a working folder of its own, the web UI off. One script and one conf, so that a benchmark's
// server is the tests' server.
import path from 'node:path';

/**
 * Python (run with `-c`, the conf as JSON in argv[1]): builds the session from the conf (its
 * `master` key is the master URL), prints READY_LINE and the Spark version once the default
 * session exists, then serves until it is signalled. The JVM is in the same process group.
 */
export const SERVE_SCRIPT = `
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

/**
 * What the script prints when requests can be served. The Connect plugin opens its port while the
 * SparkContext starts, before getOrCreate() has made the default session: a request in between
 * fails with "No active or default Spark session found", so an open port is not enough.
 */
export const READY_LINE = 'spark-connect ready';

/** The Spark version the script printed after READY_LINE in `output` (its whole line), or undefined before it did. */
export function readyVersion(output) {
  const at = output.indexOf(READY_LINE);
  const end = at < 0 ? -1 : output.indexOf('\n', at);
  if (end < 0) return undefined;
  return output.slice(at + READY_LINE.length, end).trim();
}

/**
 * The conf of a server on 127.0.0.1:`port` whose warehouse and metastore live in `workDir`
 * (`master` local[2] unless given: the machine has 2 cores); `extra` adds or overrides keys.
 */
export function serverConf({ port, workDir, master = 'local[2]', extra = {} }) {
  return {
    master,
    'spark.plugins': 'org.apache.spark.sql.connect.SparkConnectPlugin',
    'spark.connect.grpc.binding.address': '127.0.0.1',
    'spark.connect.grpc.binding.port': String(port),
    'spark.sql.warehouse.dir': path.join(workDir, 'spark-warehouse'),
    'spark.driver.extraJavaOptions': `-Dderby.system.home=${workDir}`,
    'spark.ui.enabled': 'false',
    ...extra,
  };
}

/** The server's environment additions: Spark binds its driver to 127.0.0.1 too. */
export const SERVER_ENV = { SPARK_LOCAL_IP: '127.0.0.1' };
