import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import type { RecordBatch, Table } from 'apache-arrow';
import { MlopsError } from '../errors.js';
import { artifactRequests, cacheArtifact } from './artifacts.js';
import { encodeArrowStream } from './arrow.js';
import { Catalog } from './catalog.js';
import { SparkConnectClient, type CallOptions, type SparkCredentials } from './client.js';
import { literal, type LiteralValue } from './column.js';
import { RuntimeConfig } from './conf.js';
import { parseConnectionString, redactConnectionString } from './connection-string.js';
import { resolveDatabricksConnect, type DatabricksConnectOptions } from './databricks.js';
import { DataFrame, relationFrame, type RelTypeInit } from './dataframe.js';
import { awaitOperationEnd, executePlan, type ExecuteOptions, type OperationEnd } from './execute.js';
import { ArtifactStatusesRequestSchema, InterruptRequest_InterruptType, InterruptRequestSchema, PlanSchema, type ExecutePlanResponse } from './gen/spark/connect/base_pb.js';
import { CommandSchema } from './gen/spark/connect/commands_pb.js';
import { ExpressionSchema } from './gen/spark/connect/expressions_pb.js';
import { LocalRelationSchema, RelationSchema, type Relation } from './gen/spark/connect/relations_pb.js';
import { DataFrameReader } from './reader.js';
import { SparkConnectError } from './errors.js';
import { FIRST_CONTACT_CONNECT_RETRIES, isConnectionNotOpened } from './retry-policy.js';
import type { PlanSession } from './plan-session.js';
import type { SparkRetryPolicy } from './retry-policy.js';

/** Spark's default for spark.sql.session.localRelationCacheThreshold (64 MiB). */
const DEFAULT_LOCAL_RELATION_CACHE_THRESHOLD = 64 * 1024 * 1024;

export interface GetOrCreateOptions extends CallOptions {
  /** Where SPARK_REMOTE (and, for Databricks, DATABRICKS_*) are read; default process.env. */
  env?: Record<string, string | undefined>;
}

const active = new Map<string, Promise<SparkSession>>();

/** SparkSession.builder(): where to connect and with what, as PySpark's builder. */
export class SparkSessionBuilder {
  #remote: string | undefined;
  #databricks: DatabricksConnectOptions | undefined;
  #credentials: SparkCredentials | undefined;
  #retryPolicy: SparkRetryPolicy | undefined;
  readonly #conf: Record<string, string> = {};
  #attach: { sessionId: string; userId: string } | undefined;

  /** A Spark Connect connection string: sc://host:port/;token=…;… */
  remote(url: string): this {
    this.#remote = url;
    return this;
  }

  /** Runtime configuration set on the session when it is created. */
  config(key: string, value: string | number | boolean): this {
    this.#conf[key] = String(value);
    return this;
  }

  /** Databricks Connect: the workspace, credentials and cluster (or serverless) as the Databricks backend resolves them. */
  databricks(options: DatabricksConnectOptions = {}): this {
    this.#databricks = options;
    return this;
  }

  /** Credentials asked for an authorization header on every call (beats token=). */
  credentials(credentials: SparkCredentials): this {
    this.#credentials = credentials;
    return this;
  }

  retryPolicy(policy: SparkRetryPolicy): this {
    this.#retryPolicy = policy;
    return this;
  }

  /**
   * Joins an existing server-side session (its id and the user it belongs to) instead of starting a
   * new one, as `;session_id=…;user_id=…` in a connection string does: operations are scoped to their
   * session, so only a client of that session can interrupt them or reattach to them.
   */
  attach(session: { sessionId: string; userId: string }): this {
    this.#attach = session;
    return this;
  }

  /** A new session every time. */
  async create(options: GetOrCreateOptions = {}): Promise<SparkSession> {
    const env = options.env ?? process.env;
    let url = this.#remote;
    let credentials = this.#credentials;
    if (this.#databricks !== undefined) {
      const resolved = await resolveDatabricksConnect({ ...this.#databricks, env: this.#databricks.env ?? env });
      url = resolved.url;
      credentials ??= resolved.credentials;
    }
    url ??= env.SPARK_REMOTE;
    if (url === undefined || url.trim() === '') {
      throw new MlopsError('CONFIG_INVALID', 'No Spark Connect server: call SparkSession.builder().remote("sc://host:port") or set SPARK_REMOTE', {});
    }
    const parsed = parseConnectionString(url);
    const client = new SparkConnectClient({
      connection: this.#attach === undefined ? parsed : { ...parsed, sessionId: this.#attach.sessionId, userId: this.#attach.userId },
      ...(credentials !== undefined ? { credentials } : {}),
      ...(this.#retryPolicy !== undefined ? { retryPolicy: this.#retryPolicy } : {}),
    });
    try {
      let response;
      try {
        response = await client.analyze({ case: 'sparkVersion', value: {} }, { ...(options.signal ? { signal: options.signal } : {}), firstContact: true });
      } catch (error) {
        if (error instanceof SparkConnectError && error.grpcCodeName === 'Unavailable' && isConnectionNotOpened(error.grpcCode, error.message)) {
          const remote = redactConnectionString(url);
          const reason = error.message.slice(error.message.lastIndexOf(': ') + 2);
          throw new SparkConnectError(
            `Cannot connect to the Spark Connect server at ${remote}: ${reason} (${FIRST_CONTACT_CONNECT_RETRIES + 1} attempts). ` +
              "Check the URL (the target's engine, or SPARK_REMOTE) and that the server is running.",
            { grpcCode: error.grpcCode, cause: error },
          );
        }
        throw error;
      }
      const version = response.result.case === 'sparkVersion' ? response.result.value.version : '';
      const session = new SparkSession(client, version, redactConnectionString(url));
      for (const [key, value] of Object.entries(this.#conf)) await session.conf.set(key, value, options);
      return session;
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
  }

  /** The running session for this remote, or a new one; as PySpark, one per remote until stopped. */
  async getOrCreate(options: GetOrCreateOptions = {}): Promise<SparkSession> {
    const env = options.env ?? process.env;
    const key = this.#databricks !== undefined ? `databricks:${JSON.stringify({ ...this.#databricks, env: undefined })}` : (this.#remote ?? env.SPARK_REMOTE ?? '');
    const existing = active.get(key);
    if (existing !== undefined) {
      const session = await existing.catch(() => undefined);
      if (session !== undefined && !session.stopped) {
        for (const [k, v] of Object.entries(this.#conf)) await session.conf.set(k, v, options);
        return session;
      }
    }
    const created = this.create(options);
    active.set(key, created);
    created.then(
      (session) => session.onStop(() => active.get(key) === created && active.delete(key)),
      () => active.get(key) === created && active.delete(key),
    );
    return created;
  }
}

/**
 * A Spark Connect session, as PySpark's SparkSession: builds DataFrames (sql, table, read,
 * range, createDataFrame), exposes conf and catalog, and releases the server-side session on stop().
 */
export class SparkSession implements PlanSession {
  readonly client: SparkConnectClient;
  /** The server's Spark version, e.g. "4.0.1". */
  readonly version: string;
  /** The connection string with any token hidden. */
  readonly remote: string;
  readonly conf: RuntimeConfig;
  readonly catalog: Catalog;
  #planId = 0n;
  #stopped = false;
  #cacheThreshold: number | undefined;
  readonly #onStop: (() => void)[] = [];

  static builder(): SparkSessionBuilder {
    return new SparkSessionBuilder();
  }

  constructor(client: SparkConnectClient, version: string, remote: string) {
    this.client = client;
    this.version = version;
    this.remote = remote;
    this.conf = new RuntimeConfig(client);
    this.catalog = new Catalog(this);
  }

  get sessionId(): string {
    return this.client.sessionId;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  get read(): DataFrameReader {
    return new DataFrameReader(this);
  }

  nextPlanId(): bigint {
    return this.#planId++;
  }

  /** A DataFrame over a relation of the given kind. */
  relationFrame(relType: RelTypeInit): DataFrame {
    return relationFrame(this, relType);
  }

  /**
   * Runs SQL. Commands (CREATE, INSERT, DROP, …) run now, as in PySpark; a query returns a lazy
   * DataFrame. `args` binds named (`:name`, an object) or positional (`?`, an array) parameters;
   * `options.tags` tags the command's operation (see interruptTag).
   */
  async sql(query: string, args?: Record<string, LiteralValue> | LiteralValue[], options: ExecuteOptions = {}): Promise<DataFrame> {
    const toExpression = (value: LiteralValue) => create(ExpressionSchema, { exprType: { case: 'literal', value: literal(value) } });
    const sqlRelation = create(RelationSchema, {
      common: { planId: this.nextPlanId() },
      relType: {
        case: 'sql',
        value: {
          query,
          ...(Array.isArray(args)
            ? { posArguments: args.map(toExpression) }
            : args !== undefined
              ? { namedArguments: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, toExpression(v)])) }
              : {}),
        },
      },
    });
    let result: Relation | undefined;
    for (const response of await this.runCommand({ commandType: { case: 'sqlCommand', value: { input: sqlRelation } } }, options)) {
      if (response.responseType.case === 'sqlCommandResult') result = response.responseType.value.relation;
    }
    if (result === undefined) throw new MlopsError('INTERNAL', `spark.sql: the server at ${this.client.endpoint} answered without a result relation`, {});
    return new DataFrame(this, result);
  }

  /** A table or view of the catalog. */
  table(name: string): DataFrame {
    return this.read.table(name);
  }

  /** Ids from start (inclusive) to end (exclusive), column `id` (bigint); range(n) is 0…n-1. */
  range(start: number | bigint, end?: number | bigint, step: number | bigint = 1, numPartitions?: number): DataFrame {
    const [from, to] = end === undefined ? [0n, BigInt(start)] : [BigInt(start), BigInt(end)];
    return this.relationFrame({
      case: 'range',
      value: { start: from, end: to, step: BigInt(step), ...(numPartitions !== undefined ? { numPartitions } : {}) },
    } );
  }

  /**
   * A DataFrame from a local Arrow table. Data above the server's
   * spark.sql.session.localRelationCacheThreshold is uploaded once as an artifact (AddArtifacts,
   * in chunks) and referenced by its hash (CachedLocalRelation); smaller data goes in the plan.
   */
  async createDataFrame(data: Table | RecordBatch[], options: CallOptions = {}): Promise<DataFrame> {
    const ipc = encodeArrowStream(data);
    const threshold = await this.#localRelationCacheThreshold(options);
    if (ipc.byteLength <= threshold) {
      return this.relationFrame({ case: 'localRelation', value: { data: ipc } } );
    }
    // The server keeps the serialized LocalRelation message (data = the IPC stream) under its hash.
    const blob = toBinary(LocalRelationSchema, create(LocalRelationSchema, { data: ipc }));
    const { hash, name } = cacheArtifact(blob);
    const statuses = await this.client.withRetry(
      'ArtifactStatus',
      (signal) => this.client.rpc.artifactStatus(create(ArtifactStatusesRequestSchema, { ...this.client.base(), names: [name] }), signal ? { signal } : {}),
      options,
    );
    if (statuses.statuses[name]?.exists !== true) {
      const response = await this.client.addArtifacts(() => artifactRequests(name, blob), options);
      const summary = response.artifacts.find((artifact) => artifact.name === name);
      if (summary === undefined || !summary.isCrcSuccessful) {
        throw new MlopsError('IO', `createDataFrame: the server at ${this.client.endpoint} did not confirm the upload of ${name} (${blob.byteLength} bytes)${summary ? ': CRC mismatch' : ''}`, {});
      }
    }
    return this.relationFrame({ case: 'cachedLocalRelation', value: { hash } } );
  }

  /** Runs a command plan to its end and returns its responses (commands answer with a few). */
  async runCommand(command: MessageInitShape<typeof CommandSchema>, options: ExecuteOptions = {}): Promise<ExecutePlanResponse[]> {
    const plan = create(PlanSchema, { opType: { case: 'command', value: create(CommandSchema, command ) } });
    const responses: ExecutePlanResponse[] = [];
    for await (const response of executePlan(this.client, plan, options)) responses.push(response);
    return responses;
  }

  /** Interrupts every operation of this session (Interrupt ALL). */
  async interruptAll(options: CallOptions = {}): Promise<string[]> {
    const response = await this.client.withRetry(
      'Interrupt',
      (signal) => this.client.rpc.interrupt({ ...this.client.base(), interruptType: 1, interrupt: { case: undefined } }, signal ? { signal } : {}),
      options,
    );
    return response.interruptedIds;
  }

  /**
   * Interrupts this session's operations that carry `tag` (ExecuteOptions.tags; PySpark's
   * interruptTag) and returns their ids. Only operations running now are named: one already
   * finished, or already interrupted, is not.
   */
  async interruptTag(tag: string, options: CallOptions = {}): Promise<string[]> {
    const request = create(InterruptRequestSchema, { ...this.client.base(), interruptType: InterruptRequest_InterruptType.TAG, interrupt: { case: 'operationTag', value: tag } });
    const response = await this.client.withRetry('Interrupt', (signal) => this.client.rpc.interrupt(request, signal ? { signal } : {}), options);
    return response.interruptedIds;
  }

  /**
   * Waits until an operation of this session has stopped running on the server (see
   * awaitOperationEnd in execute.ts): after interruptTag, the moment its Spark jobs can no longer write.
   */
  awaitOperationEnd(operationId: string, options: CallOptions = {}): Promise<OperationEnd> {
    return awaitOperationEnd(this.client, operationId, options);
  }

  /** Releases the server-side session and closes the connection. */
  async stop(options: CallOptions = {}): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const hook of this.#onStop) hook();
    await this.client.close(options);
  }

  onStop(hook: () => void): void {
    this.#onStop.push(hook);
  }

  async #localRelationCacheThreshold(options: CallOptions): Promise<number> {
    if (this.#cacheThreshold === undefined) {
      const value = await this.conf.get('spark.sql.session.localRelationCacheThreshold', String(DEFAULT_LOCAL_RELATION_CACHE_THRESHOLD), options);
      const parsed = Number(value);
      this.#cacheThreshold = Number.isFinite(parsed) && parsed >= 0 ? parsed : DEFAULT_LOCAL_RELATION_CACHE_THRESHOLD;
    }
    return this.#cacheThreshold;
  }
}
