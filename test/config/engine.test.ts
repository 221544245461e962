import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { ParseConfigOptions } from '../../src/config/parse.js';
import { SparkEngine, sparkEngineFor } from '../../src/engine/spark-engine.js';
import { rejectedMlopsError, thrownMlopsError } from '../helpers/errors.js';

const shippedPath = fileURLToPath(new URL('../../mlops.yml', import.meta.url));
const shipped = (options: Partial<ParseConfigOptions> = {}) =>
  parseConfig(readFileSync(shippedPath, 'utf8'), { source: shippedPath, configDir: '/project', configPath: '/project/mlops.yml', ...options });

const JOBS = ['data_ingestion_job', 'model_training_job', 'model_deployment_job', 'batch_inference_job', 'pipeline_job'].map((job) => `    ${job}: { parameters: [] }`).join('\n');

/** A one-target document whose target has the given engine block (YAML flow text). */
const withEngine = (engine: string, env: Record<string, string> = {}) =>
  parseConfig(
    `bundle: { name: demo }
targets:
  s:
    default: true
    workspace: { root: ./state }
    engine: ${engine}
resources:
  jobs:
${JOBS}
`,
    { source: 'mlops.yml', configDir: '/project', env },
  );

describe('engine: on a target', () => {
  it('the bundled spark target: Spark at sc://localhost:15002 with catalogs mapped to spark_catalog; train and score read the ingested table', () => {
    const config = shipped({ target: 'spark' });
    expect(config.engine).toEqual({ spark: { remote: 'sc://localhost:15002' }, sessionCatalog: 'spark_catalog', remoteFrom: 'target' });
    expect(config.workspace).toEqual({ type: 'local', root: '/project/.mlops' });
    const table = 'hp_az_catalog.hp_iris_ml.iris_ingested';
    expect(config.variables.ingested_table).toBe(table);
    expect(config.jobs.model_training_job.parameters.data_path).toBe(table);
    expect(config.jobs.pipeline_job.parameters.data_path).toBe(table);
    expect(config.jobs.batch_inference_job.parameters.input_table).toBe(table);
    expect(config.jobs.pipeline_job.parameters.input_table).toBe(table);
  });

  it('the dev target has no engine, and SPARK_REMOTE does not give it one', () => {
    expect(shipped().engine).toBeUndefined();
    expect(shipped({ env: { SPARK_REMOTE: 'sc://elsewhere:1' } }).engine).toBeUndefined();
    expect(shipped().jobs.batch_inference_job.parameters.input_table).toBe('');
  });

  it('SPARK_REMOTE overrides the target\'s remote, as in PySpark', () => {
    const config = shipped({ target: 'spark', env: { SPARK_REMOTE: 'sc://spark.example:443/;use_ssl=true' } });
    expect(config.engine).toEqual({ spark: { remote: 'sc://spark.example:443/;use_ssl=true' }, sessionCatalog: 'spark_catalog', remoteFrom: 'SPARK_REMOTE' });
    expect(shipped({ target: 'spark', env: { SPARK_REMOTE: '  ' } }).engine?.remoteFrom).toBe('target');
  });

  it('databricks keeps three-level names (Unity Catalog) unless session_catalog names one; none keeps them on a sc:// remote', () => {
    expect(withEngine('{ spark: databricks }').engine).toEqual({ spark: { databricks: true }, remoteFrom: 'target' });
    expect(withEngine('{ spark: databricks, session_catalog: hive_metastore }').engine?.sessionCatalog).toBe('hive_metastore');
    expect(withEngine('{ spark: "sc://h:1", session_catalog: none }').engine).toEqual({ spark: { remote: 'sc://h:1' }, remoteFrom: 'target' });
    expect(withEngine('{ spark: "sc://h:1" }').engine?.sessionCatalog).toBe('spark_catalog');
  });

  it('refuses a remote that is not a Spark Connect URL, naming the key, and never prints a token', () => {
    const error = thrownMlopsError(() => withEngine('{ spark: "http://h:15002/;token=s3cr3t" }'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/targets\.s\.engine\.spark.*expected a Spark Connect URL sc:\/\/host\[:port\]/);
    expect(error.message).not.toContain('s3cr3t');
    expect(thrownMlopsError(() => withEngine('{ spark: "sc://h:1" }', { SPARK_REMOTE: 'localhost:15002' })).message).toMatch(/SPARK_REMOTE.*found "localhost:15002"/);
  });

  it('refuses unknown keys, a missing spark and a session_catalog that is not a name', () => {
    expect(thrownMlopsError(() => withEngine('{ spark: "sc://h:1", warehouse: x }')).message).toMatch(/engine/);
    expect(thrownMlopsError(() => withEngine('{ session_catalog: x }')).message).toMatch(/engine\.spark.*expected a Spark Connect URL/);
    expect(thrownMlopsError(() => withEngine('{ spark: "sc://h:1", session_catalog: "a.b" }')).message).toMatch(/session_catalog.*found "a\.b"/);
  });
});

describe('SparkEngine names', () => {
  it('maps a three-level name\'s catalog to the session catalog; other names and no mapping keep the name', () => {
    const engine = sparkEngineFor(shipped({ target: 'spark' }), {})!;
    expect(engine).toBeInstanceOf(SparkEngine);
    expect(engine.remote).toBe('sc://localhost:15002');
    expect(engine.tableName('hp_az_catalog.hp_iris_ml.iris_ingested')).toBe('spark_catalog.hp_iris_ml.iris_ingested');
    expect(engine.tableName('db.t')).toBe('db.t');
    expect(new SparkEngine({ spec: { remote: 'sc://h:1' } }).tableName('c.s.t')).toBe('c.s.t');
    expect(sparkEngineFor(shipped(), {})).toBeUndefined();
  });

  it('an unreachable remote fails fast with IO naming the URL, token hidden', async () => {
    const engine = new SparkEngine({ spec: { remote: 'sc://127.0.0.1:9/;token=s3cr3t' } });
    const error = await engine.session().then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.code).toBe('IO');
    expect(error?.message).toMatch(/Cannot reach the Spark Connect server at sc:\/\/127\.0\.0\.1:9\/;token=\*+/);
    expect(error?.message).not.toContain('s3cr3t');
    await engine.stop();
  });

  it('an aborted connection attempt is ABORTED, not IO, and is not kept: the next call tries again', async () => {
    // A listening port: the reachability check would pass, so only the abort ends it early.
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const engine = new SparkEngine({ spec: { remote: `sc://127.0.0.1:${port}` } });
    try {
      await rejectedMlopsError(engine.session({ signal: AbortSignal.abort() }), 'ABORTED');
      const controller = new AbortController();
      const during = engine.session({ signal: controller.signal });
      controller.abort(); // before the TCP connect completes, which needs a turn of the event loop
      await rejectedMlopsError(during, 'ABORTED');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    // Nothing listens there now: a fresh attempt, which fails as unreachable (not the cached abort).
    await rejectedMlopsError(engine.session(), 'IO', new RegExp(`Cannot reach the Spark Connect server at sc://127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    await engine.stop();
  });
});
