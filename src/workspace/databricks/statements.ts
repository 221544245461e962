import * as arrow from 'apache-arrow';
import { MlopsError, throwIfAborted, type ErrorCode } from '../../errors.js';
import { isExpiredUrlResponse, storageError, type StorageClient } from './cloud-storage.js';
import { abortableSleep, type DatabricksClient, type SleepFn } from './http-client.js';
import { arrowTypeFromDatabricks, jsonCellToValue } from './sql-types.js';

export type Disposition = 'INLINE' | 'EXTERNAL_LINKS';
export type ResultFormat = 'JSON_ARRAY' | 'ARROW_STREAM';
export type StatementState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED';

export interface ColumnJson {
  name: string;
  type_name: string;
  type_text?: string;
  position?: number;
}

export interface ManifestJson {
  format?: ResultFormat;
  schema?: { column_count?: number; columns?: ColumnJson[] };
  total_chunk_count?: number;
  total_row_count?: number;
  truncated?: boolean;
}

export interface ExternalLinkJson {
  chunk_index?: number;
  row_count?: number;
  external_link: string;
  expiration?: string;
  http_headers?: Record<string, string>;
  next_chunk_index?: number;
}

export interface ResultDataJson {
  chunk_index?: number;
  row_count?: number;
  data_array?: (string | null)[][];
  external_links?: ExternalLinkJson[];
  next_chunk_index?: number;
}

interface StatementResponseJson {
  statement_id: string;
  status: { state: StatementState; error?: { error_code?: string; message?: string } };
  manifest?: ManifestJson;
  result?: ResultDataJson;
}

export interface StatementResult {
  statementId: string;
  disposition: Disposition;
  format: ResultFormat;
  manifest: ManifestJson | undefined;
  result: ResultDataJson | undefined;
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  disposition?: Disposition;
  format?: ResultFormat;
  /** How long the POST itself waits for the statement: 0 (return at once) or 5–50 seconds. Default 10. */
  waitTimeoutSeconds?: number;
}

export interface StatementExecutorOptions {
  client: DatabricksClient;
  storage: StorageClient;
  warehouseId: string;
  sleep?: SleepFn;
  /** Said when a statement is attempted without a warehouse id (a target that names none). */
  missingWarehouseHint?: string;
  /** First wait between polls; doubles up to maxPollIntervalMs. Default 200 ms. */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
}

/**
 * SQL Statement Execution (/api/2.0/sql/statements) on one warehouse: submits with wait_timeout,
 * polls a statement that is still PENDING or RUNNING, cancels it when the caller aborts, and
 * reads results as Arrow, from INLINE JSON_ARRAY chunks or from EXTERNAL_LINKS ARROW_STREAM files
 * (fetched from cloud storage without the workspace token).
 */
export class StatementExecutor {
  readonly warehouseId: string;
  readonly #client: DatabricksClient;
  readonly #storage: StorageClient;
  readonly #sleep: SleepFn;
  readonly #pollMs: number;
  readonly #maxPollMs: number;
  readonly #missingWarehouseHint: string;

  constructor(options: StatementExecutorOptions) {
    this.warehouseId = options.warehouseId;
    this.#missingWarehouseHint = options.missingWarehouseHint ?? 'set a SQL warehouse id';
    this.#client = options.client;
    this.#storage = options.storage;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#pollMs = options.pollIntervalMs ?? 200;
    this.#maxPollMs = options.maxPollIntervalMs ?? 5_000;
  }

  /** Runs one statement to completion; throws for FAILED / CANCELED, and ABORTED (after cancelling it) on abort. */
  async execute(sql: string, options: ExecuteOptions = {}): Promise<StatementResult> {
    const disposition = options.disposition ?? 'INLINE';
    const format = options.format ?? (disposition === 'INLINE' ? 'JSON_ARRAY' : 'ARROW_STREAM');
    const wait = options.waitTimeoutSeconds ?? 10;
    if (!(wait === 0 || (Number.isInteger(wait) && wait >= 5 && wait <= 50))) {
      throw new MlopsError('INVALID_ARGUMENT', `waitTimeoutSeconds must be 0 or an integer from 5 to 50; got ${wait}`, { details: { waitTimeoutSeconds: wait } });
    }
    throwIfAborted(options.signal);
    if (this.warehouseId === '') {
      throw new MlopsError('CONFIG_INVALID', `Running SQL on ${this.#client.host} needs a SQL warehouse: ${this.#missingWarehouseHint}`, { details: { host: this.#client.host, statement: preview(sql) } });
    }
    let response = await this.#client.json<StatementResponseJson>('POST', '/api/2.0/sql/statements', {
      json: { statement: sql, warehouse_id: this.warehouseId, wait_timeout: `${wait}s`, on_wait_timeout: 'CONTINUE', disposition, format },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const id = response.statement_id;
    let delay = this.#pollMs;
    try {
      while (response.status.state === 'PENDING' || response.status.state === 'RUNNING') {
        await this.#sleep(delay, options.signal);
        delay = Math.min(delay * 2, this.#maxPollMs);
        response = await this.#client.json<StatementResponseJson>('GET', `/api/2.0/sql/statements/${encodeURIComponent(id)}`, options.signal ? { signal: options.signal } : {});
      }
    } catch (error) {
      if (options.signal?.aborted) {
        await this.cancel(id).catch(() => undefined);
        throw new MlopsError('ABORTED', `SQL statement ${id} was cancelled because the operation was aborted`, { cause: options.signal.reason, details: { statementId: id } });
      }
      throw error;
    }
    const state = response.status.state;
    if (state === 'FAILED') throw statementError(id, this.warehouseId, sql, response.status.error);
    if (state === 'CANCELED' || state === 'CLOSED') {
      throw new MlopsError(state === 'CANCELED' ? 'ABORTED' : 'IO', `SQL statement ${id} on warehouse ${this.warehouseId} ended ${state}: ${preview(sql)}`, { details: { statementId: id, state } });
    }
    return { statementId: id, disposition, format, manifest: response.manifest, result: response.result };
  }

  async cancel(statementId: string): Promise<void> {
    // Without the caller's signal: cancelling is what we do after it fired.
    await this.#client.json('POST', `/api/2.0/sql/statements/${encodeURIComponent(statementId)}/cancel`);
  }

  /** The Arrow schema of a result, from its manifest. */
  schemaOf(result: StatementResult): arrow.Schema {
    const columns = [...(result.manifest?.schema?.columns ?? [])].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    return new arrow.Schema(columns.map((column) => new arrow.Field(column.name, arrowTypeFromDatabricks(column.type_name, column.type_text), true)));
  }

  /** Every chunk of a result as record batches, in order. */
  async *batches(result: StatementResult, options: { signal?: AbortSignal } = {}): AsyncGenerator<arrow.RecordBatch> {
    const total = result.manifest?.total_chunk_count ?? (result.result ? 1 : 0);
    if (total === 0) return;
    const schema = this.schemaOf(result);
    let chunk: ResultDataJson | undefined = result.result;
    let index = chunk?.chunk_index ?? 0;
    while (chunk !== undefined) {
      throwIfAborted(options.signal);
      if (chunk.data_array !== undefined) {
        if (chunk.data_array.length > 0) yield jsonRowsToBatch(chunk.data_array, schema);
      } else {
        for (const link of chunk.external_links ?? []) yield* await this.#fetchLink(result.statementId, link, options.signal);
      }
      const next: number | undefined = chunk.next_chunk_index ?? chunk.external_links?.at(-1)?.next_chunk_index;
      if (next === undefined || next >= total) break;
      index = next;
      chunk = await this.#chunk(result.statementId, index, options.signal);
    }
  }

  /** Runs a query and gathers all of its rows (for small results). */
  async query(sql: string, options: ExecuteOptions = {}): Promise<arrow.Table> {
    const result = await this.execute(sql, options);
    const batches: arrow.RecordBatch[] = [];
    for await (const batch of this.batches(result, options.signal ? { signal: options.signal } : {})) batches.push(batch);
    return batches.length > 0 ? new arrow.Table(batches) : new arrow.Table(this.schemaOf(result));
  }

  async #chunk(statementId: string, index: number, signal: AbortSignal | undefined): Promise<ResultDataJson> {
    return this.#client.json<ResultDataJson>('GET', `/api/2.0/sql/statements/${encodeURIComponent(statementId)}/result/chunks/${index}`, signal ? { signal } : {});
  }

  async #fetchLink(statementId: string, link: ExternalLinkJson, signal: AbortSignal | undefined): Promise<arrow.RecordBatch[]> {
    let current = link;
    for (let attempt = 0; ; attempt++) {
      const expired = current.expiration !== undefined && Date.parse(current.expiration) <= Date.now();
      if (!expired) {
        const request = { method: 'GET' as const, url: current.external_link, headers: { ...current.http_headers }, ...(signal ? { signal } : {}) };
        const response = await this.#storage.send(request);
        if (response.status === 200) return arrow.tableFromIPC(response.body).batches;
        if (!isExpiredUrlResponse(response) || attempt >= 2) throw storageError(response, request, `Fetching result chunk ${current.chunk_index ?? 0} of statement ${statementId}`);
      }
      // The link expired: the chunk endpoint hands out a fresh one.
      const fresh = await this.#chunk(statementId, current.chunk_index ?? 0, signal);
      const replacement = fresh.external_links?.find((l) => (l.chunk_index ?? 0) === (current.chunk_index ?? 0));
      if (replacement === undefined) throw new MlopsError('HTTP', `Statement ${statementId} gave no external link for chunk ${current.chunk_index ?? 0}`, { details: { statementId } });
      current = replacement;
    }
  }
}

function jsonRowsToBatch(rows: (string | null)[][], schema: arrow.Schema): arrow.RecordBatch {
  const columns: Record<string, arrow.Vector> = {};
  schema.fields.forEach((field, c) => {
    columns[field.name] = arrow.vectorFromArray(
      rows.map((row) => jsonCellToValue(row[c] ?? null, field.type)),
      field.type,
    );
  });
  const [batch] = new arrow.Table(columns).batches;
  return new arrow.RecordBatch(schema, batch!.data);
}

const ERROR_CLASSES: [RegExp, ErrorCode][] = [
  [/\[(TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND|CATALOG_NOT_FOUND|PATH_NOT_FOUND|VOLUME_NOT_FOUND)/, 'NOT_FOUND'],
  [/\[(TABLE_OR_VIEW_ALREADY_EXISTS|SCHEMA_ALREADY_EXISTS)/, 'ALREADY_EXISTS'],
  [/\[(DATATYPE_MISMATCH|INSERT_COLUMN_ARITY_MISMATCH|CAST_INVALID_INPUT|DELTA_FAILED_TO_MERGE_FIELDS|UNRESOLVED_COLUMN|INCOMPATIBLE_DATA_FOR_TABLE)/, 'SCHEMA_MISMATCH'],
  [/\[(PARSE_SYNTAX_ERROR|INVALID_PARAMETER_VALUE)/, 'INVALID_ARGUMENT'],
];

function statementError(id: string, warehouseId: string, sql: string, error: { error_code?: string; message?: string } | undefined): MlopsError {
  const message = error?.message ?? 'no error message';
  const code = ERROR_CLASSES.find(([pattern]) => pattern.test(message))?.[1] ?? (/PERMISSION_DENIED|INSUFFICIENT_PERMISSIONS/.test(message + (error?.error_code ?? '')) ? 'HTTP' : 'IO');
  return new MlopsError(code, `SQL statement ${id} failed on warehouse ${warehouseId}: ${message} (statement: ${preview(sql)})`, {
    details: { statementId: id, warehouseId, ...(error?.error_code ? { errorCode: error.error_code } : {}) },
  });
}

function preview(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}
