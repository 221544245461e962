import type { ResolvedConfig } from '../config/types.js';
import { abortedError, MlopsError, throwIfAborted } from '../errors.js';
import type { DatabricksConnectOptions } from '../spark/databricks.js';
import { connect } from 'node:net';
import { parseConnectionString, redactConnectionString } from '../spark/connection-string.js';
import type { SparkSession } from '../spark/session.js';
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
  /**
   * How long the first connection to a sc:// remote may take to open a TCP socket (default 10 s).
   * The client itself retries an unreachable server for minutes, as PySpark's does; a job checks
   * once, up front, and fails with the URL instead.
   */
  probeTimeoutMs?: number;
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
    // The client (and its generated protos, ~0.15 s to load) is imported only when a job uses Spark.
    const { SparkSession } = await import('../spark/session.js');
    const builder = SparkSession.builder();
    if ('remote' in spec) builder.remote(spec.remote);
    else builder.databricks(spec.databricks);
    try {
      if ('remote' in spec) await this.#probe(spec.remote, options);
      return await builder.create({ ...options, ...(this.#options.env !== undefined ? { env: this.#options.env } : {}) });
    } catch (error) {
      // A failed or aborted connection is not kept: the next call tries again.
      this.#session = undefined;
      if (error instanceof MlopsError) throw error;
      throw new MlopsError('IO', `Cannot reach the Spark Connect server at ${this.remote}: ${(error as Error).message}`, { details: { remote: this.remote }, cause: error });
    }
  }

  /**
   * Makes sure no operation tagged `tag` of a session (this job's or an earlier process's, by its id
   * and user) can still write: interrupts them (Interrupt by tag, in that session: operations are
   * scoped to their session) and waits until each has ended on the server. An earlier process's
   * session is joined for this and released afterwards; a session the server no longer has ran
   * nothing any more. Returns the number of operations that were still running.
   */
  async stopTagged(writer: { sessionId: string; userId: string; tag: string }, options: CallOptions = {}): Promise<number> {
    const current = this.#session === undefined ? undefined : await this.#session.catch(() => undefined);
    const own = current !== undefined && current.sessionId === writer.sessionId;
    let session: SparkSession;
    if (own) session = current;
    else {
      const spec = this.#options.spec;
      const [{ SparkSession }, { SparkConnectError }] = await Promise.all([import('../spark/session.js'), import('../spark/errors.js')]);
      const builder = SparkSession.builder().attach({ sessionId: writer.sessionId, userId: writer.userId });
      if ('remote' in spec) builder.remote(spec.remote);
      else builder.databricks(spec.databricks);
      try {
        session = await builder.create({ ...options, ...(this.#options.env !== undefined ? { env: this.#options.env } : {}) });
      } catch (error) {
        if (error instanceof SparkConnectError && /INVALID_HANDLE\.SESSION_(CLOSED|NOT_FOUND)/.test(error.message)) return 0;
        throw error;
      }
    }
    try {
      const running = await session.interruptTag(writer.tag, options);
      for (const operationId of running) await session.awaitOperationEnd(operationId, options);
      return running.length;
    } finally {
      if (!own) await session.stop().catch(() => undefined);
    }
  }

  /** Opens and closes a TCP connection to the remote's host and port: IO naming the URL when nothing listens there. */
  async #probe(remote: string, options: CallOptions): Promise<void> {
    const { host, port } = parseConnectionString(remote);
    const timeoutMs = this.#options.probeTimeoutMs ?? 10_000;
    throwIfAborted(options.signal);
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host, port });
      const end = (error: MlopsError) => {
        socket.destroy();
        options.signal?.removeEventListener('abort', abort);
        reject(error);
      };
      const fail = (reason: string) =>
        end(
          new MlopsError('IO', `Cannot reach the Spark Connect server at ${this.remote}: ${reason}. Start one there, or point SPARK_REMOTE (or the target's engine.spark) at a running server`, {
            details: { remote: this.remote },
          }),
        );
      // An abort is the caller's, not the server's: ABORTED as every other wait, not IO.
      const abort = () => end(abortedError(options.signal!));
      options.signal?.addEventListener('abort', abort, { once: true });
      socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
      socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
      socket.once('connect', () => {
        socket.destroy();
        options.signal?.removeEventListener('abort', abort);
        resolve();
      });
    });
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

  /**
   * Creates the schema (database) a table name lives in when a session catalog is mapped — a
   * Spark without Unity Catalog starts with only `default`. On Unity Catalog schemas are managed
   * there, so nothing is done.
   */
  async ensureSchemaOf(name: string, options: CallOptions = {}): Promise<void> {
    const parts = this.tableName(name).split('.');
    if (this.#options.sessionCatalog === undefined || parts.length !== 3) return;
    const session = await this.session(options);
    await session.sql(`CREATE DATABASE IF NOT EXISTS ${quoteName(parts[0]!)}.${quoteName(parts[1]!)}`, undefined, options);
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

/** A table or schema name part as a Spark SQL identifier (backquoted, backquotes doubled). */
export function quoteName(part: string): string {
  return `\`${part.replaceAll('`', '``')}\``;
}

/** A table name (one to three dot-separated parts) as a quoted Spark SQL identifier. */
export function quoteTableName(name: string): string {
  return name.split('.').map(quoteName).join('.');
}

/**
 * The Spark engine a resolved target asks for (`engine:` in mlops.yml, its remote possibly replaced
 * by SPARK_REMOTE when the configuration was read), or undefined when the target has none.
 * `databricks` uses the target's host and profile, the DATABRICKS_* variables from `env`.
 */
export function sparkEngineFor(config: ResolvedConfig, env: Record<string, string | undefined> = process.env): SparkEngine | undefined {
  const engine = config.engine;
  if (engine === undefined) return undefined;
  const ws = config.workspace;
  const spec: SparkEngineSpec =
    'remote' in engine.spark
      ? { remote: engine.spark.remote }
      : { databricks: { ...(ws.type === 'databricks' && ws.host ? { host: ws.host } : {}), ...(ws.type === 'databricks' && ws.profile ? { profile: ws.profile } : {}), env } };
  return new SparkEngine({ spec, env, ...(engine.sessionCatalog === undefined ? {} : { sessionCatalog: engine.sessionCatalog }) });
}
