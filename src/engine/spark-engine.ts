import { MlopsError } from '../errors.js';
import type { DatabricksConnectOptions } from '../spark/databricks.js';
import { redactConnectionString } from '../spark/connection-string.js';
import { SparkSession } from '../spark/session.js';
import type { CallOptions } from '../workspace/types.js';

/** Where a target's tables and scoring run: a Spark Connect URL, or Databricks Connect with the target's credentials. */
export type SparkEngineSpec = { remote: string } | { databricks: DatabricksConnectOptions };

export interface SparkEngineOptions {
  spec: SparkEngineSpec;
  /**
   * On a Spark without Unity Catalog, the catalog that a three-level name's first part maps to
   * (`spark_catalog`, the session catalog, unless the target says otherwise); undefined keeps
   * three-level names as they are (Unity Catalog, Databricks).
   */
  sessionCatalog?: string;
  /** Where SPARK_REMOTE and DATABRICKS_* are read; default process.env. */
  env?: Record<string, string | undefined>;
}

/**
 * A target's Spark engine: connects on first use, hands the same session to every stage of a job,
 * and is stopped by the runner when the job ends. Stages never build a session themselves.
 */
export class SparkEngine {
  readonly #options: SparkEngineOptions;
  #session: Promise<SparkSession> | undefined;

  constructor(options: SparkEngineOptions) {
    this.#options = options;
  }

  /** The connection string with any token hidden, or `databricks` — safe for logs and run params. */
  get remote(): string {
    const spec = this.#options.spec;
    return 'remote' in spec ? redactConnectionString(spec.remote) : 'databricks';
  }

  /** The job's session, created on the first call. */
  session(options: CallOptions = {}): Promise<SparkSession> {
    this.#session ??= this.#connect(options);
    return this.#session;
  }

  async #connect(options: CallOptions): Promise<SparkSession> {
    const spec = this.#options.spec;
    const builder = SparkSession.builder();
    if ('remote' in spec) builder.remote(spec.remote);
    else builder.databricks(spec.databricks);
    try {
      return await builder.create({ ...options, ...(this.#options.env !== undefined ? { env: this.#options.env } : {}) });
    } catch (error) {
      this.#session = undefined;
      if (error instanceof MlopsError) throw error;
      throw new MlopsError('IO', `Cannot reach the Spark Connect server at ${this.remote}: ${(error as Error).message}`, { details: { remote: this.remote }, cause: error });
    }
  }

  /**
   * The name Spark knows a table by: `catalog.schema.table` as given on Unity Catalog; with a
   * session catalog configured, the catalog part is replaced by it (`spark_catalog.schema.table`).
   */
  tableName(name: string): string {
    const parts = name.split('.');
    if (this.#options.sessionCatalog === undefined || parts.length !== 3) return name;
    return [this.#options.sessionCatalog, parts[1], parts[2]].join('.');
  }

  /** Stops the session if one was created; safe to call more than once. */
  async stop(): Promise<void> {
    const pending = this.#session;
    this.#session = undefined;
    if (pending === undefined) return;
    const session = await pending.catch(() => undefined);
    await session?.stop().catch(() => undefined);
  }
}
