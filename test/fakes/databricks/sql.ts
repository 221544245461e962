import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import type { CloudStorage } from './cloud.js';
import { apiError, json, type FakeRequest, type FakeResponse } from './http.js';

/**
 * SQL Statement Execution (/api/2.0/sql/statements) with DuckDB as the engine. A fake cannot run
 * Spark SQL, so the few statements the client issues are translated where the dialects differ:
 *   - `read_files('<volume path>', format => 'parquet')` → DuckDB `read_parquet('<local files>')`;
 *   - `CREATE VOLUME IF NOT EXISTS c.s.v` is done by the fake itself (DuckDB has no volumes);
 *   - `backtick` identifiers → "double-quoted";
 *   - every catalog.schema named in a statement exists (ATTACHed in-memory databases);
 *   - DuckDB's error texts → Databricks error classes ([TABLE_OR_VIEW_NOT_FOUND], …).
 * Everything else (CREATE OR REPLACE TABLE … AS SELECT, INSERT INTO … SELECT, SELECT, DROP TABLE,
 * the scoring expressions) runs as written.
 */

type State = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED';

interface Column {
  name: string;
  typeName: string;
  typeText: string;
  arrowType: arrow.DataType;
}

interface Statement {
  id: string;
  sql: string;
  disposition: 'INLINE' | 'EXTERNAL_LINKS';
  format: 'JSON_ARRAY' | 'ARROW_STREAM';
  state: State;
  pendingPolls: number;
  runningPolls: number;
  error?: { error_code: string; message: string };
  columns?: Column[];
  rows?: unknown[][];
}

export interface StatementScript {
  /** GETs that still see PENDING, then RUNNING, before the statement runs. */
  pendingPolls?: number;
  runningPolls?: number;
  /** Make the statement fail with this Databricks error instead of running it. */
  fail?: { errorCode?: string; message: string };
}

export class FakeSql {
  readonly warehouses = new Set<string>();
  readonly statements = new Map<string, Statement>();
  /** Every statement as submitted, in order. */
  readonly submitted: string[] = [];
  /** Applied to statements whose text matches, once each (first match wins). */
  readonly scripts: { pattern: RegExp; script: StatementScript; once: boolean }[] = [];
  rowsPerChunk = 1000;
  cancelRequests = 0;
  readonly #volumesRoot: string;
  readonly #cloud: CloudStorage;
  #db: Promise<DuckDBConnection> | undefined;
  readonly #attached = new Set<string>();

  constructor(volumesRoot: string, cloud: CloudStorage) {
    this.#volumesRoot = volumesRoot;
    this.#cloud = cloud;
  }

  script(pattern: RegExp, script: StatementScript, once = true): void {
    this.scripts.push({ pattern, script, once });
  }

  async submit(req: FakeRequest): Promise<FakeResponse> {
    const body = req.json;
    const sql = typeof body.statement === 'string' ? body.statement : '';
    if (sql.trim() === '') return apiError(400, 'INVALID_PARAMETER_VALUE', 'statement is required');
    const warehouseId = String(body.warehouse_id ?? '');
    if (!this.warehouses.has(warehouseId)) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Warehouse ${warehouseId} does not exist.`);
    const waitTimeout = String(body.wait_timeout ?? '10s');
    if (!/^(0|[5-9]|[1-4][0-9]|50)s$/.test(waitTimeout)) {
      return apiError(400, 'INVALID_PARAMETER_VALUE', `wait_timeout must be 0s or between 5s and 50s; got ${waitTimeout}`);
    }
    const disposition = String(body.disposition ?? 'INLINE');
    const format = String(body.format ?? 'JSON_ARRAY');
    if (disposition !== 'INLINE' && disposition !== 'EXTERNAL_LINKS') return apiError(400, 'INVALID_PARAMETER_VALUE', `Unknown disposition ${disposition}`);
    if (format !== 'JSON_ARRAY' && format !== 'ARROW_STREAM') return apiError(400, 'INVALID_PARAMETER_VALUE', `Unsupported format ${format} in this fake`);
    if (disposition === 'INLINE' && format !== 'JSON_ARRAY') return apiError(400, 'INVALID_PARAMETER_VALUE', 'INLINE disposition supports the JSON_ARRAY format only.');
    const onTimeout = String(body.on_wait_timeout ?? 'CONTINUE');

    this.submitted.push(sql);
    const scriptIndex = this.scripts.findIndex((entry) => entry.pattern.test(sql));
    const script = scriptIndex >= 0 ? this.scripts[scriptIndex]!.script : {};
    if (scriptIndex >= 0 && this.scripts[scriptIndex]!.once) this.scripts.splice(scriptIndex, 1);
    const statement: Statement = {
      id: `01ef${randomUUID().replaceAll('-', '').slice(0, 28)}`,
      sql,
      disposition,
      format,
      state: 'PENDING',
      pendingPolls: script.pendingPolls ?? 0,
      runningPolls: script.runningPolls ?? 0,
    };
    if (script.fail) statement.error = { error_code: script.fail.errorCode ?? 'BAD_REQUEST', message: script.fail.message };
    this.statements.set(statement.id, statement);

    const quick = statement.pendingPolls === 0 && statement.runningPolls === 0;
    if (quick && waitTimeout !== '0s') await this.#run(statement);
    else if (waitTimeout !== '0s' && onTimeout === 'CANCEL') statement.state = 'CANCELED';
    return json(this.#response(statement, req));
  }

  async get(id: string, req: FakeRequest): Promise<FakeResponse> {
    const statement = this.statements.get(id);
    if (statement === undefined) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Statement ${id} does not exist.`);
    if (statement.state === 'PENDING' || statement.state === 'RUNNING') {
      if (statement.pendingPolls > 0) {
        statement.pendingPolls--;
        statement.state = 'PENDING';
      } else if (statement.runningPolls > 0) {
        statement.runningPolls--;
        statement.state = 'RUNNING';
      } else {
        await this.#run(statement);
      }
    }
    return json(this.#response(statement, req));
  }

  cancel(id: string): FakeResponse {
    this.cancelRequests++;
    const statement = this.statements.get(id);
    if (statement === undefined) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Statement ${id} does not exist.`);
    if (statement.state === 'PENDING' || statement.state === 'RUNNING') statement.state = 'CANCELED';
    return json({});
  }

  chunk(id: string, index: number, req: FakeRequest): FakeResponse {
    const statement = this.statements.get(id);
    if (statement === undefined || statement.state !== 'SUCCEEDED') return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Statement ${id} has no results.`);
    const count = this.#chunkCount(statement);
    if (!Number.isInteger(index) || index < 0 || index >= count) return apiError(400, 'INVALID_PARAMETER_VALUE', `Chunk ${index} is out of range (0..${count - 1}).`);
    return json(this.#chunkJson(statement, index, req));
  }

  /** The Arrow IPC stream of one chunk (served at the external link). */
  arrowChunk(id: string, index: number): Uint8Array | undefined {
    const statement = this.statements.get(id);
    if (statement?.columns === undefined || statement.rows === undefined) return undefined;
    const rows = statement.rows.slice(index * this.rowsPerChunk, (index + 1) * this.rowsPerChunk);
    const columns = statement.columns;
    const vectors: Record<string, arrow.Vector> = {};
    columns.forEach((column, c) => {
      vectors[column.name] = arrow.vectorFromArray(
        rows.map((row) => row[c] ?? null),
        column.arrowType,
      );
    });
    return arrow.tableToIPC(new arrow.Table(vectors), 'stream');
  }

  // ------------------------------------------------------------------ execution

  async #run(statement: Statement): Promise<void> {
    if (statement.error) {
      statement.state = 'FAILED';
      return;
    }
    try {
      const result = await this.#execute(statement.sql);
      statement.columns = result.columns;
      statement.rows = result.rows;
      statement.state = 'SUCCEEDED';
    } catch (error) {
      statement.error = databricksError((error as Error).message);
      statement.state = 'FAILED';
    }
  }

  async #connection(): Promise<DuckDBConnection> {
    this.#db ??= DuckDBInstance.create(':memory:').then((instance) => instance.connect());
    return this.#db;
  }

  async #execute(sql: string): Promise<{ columns: Column[]; rows: unknown[][] }> {
    const volume = /^\s*CREATE\s+VOLUME\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w`]+)\.([\w`]+)\.([\w`]+)\s*;?\s*$/i.exec(sql);
    if (volume) {
      const [catalog, schema, name] = volume.slice(1).map((part) => part!.replaceAll('`', ''));
      await fs.mkdir(path.join(this.#volumesRoot, 'Volumes', catalog!, schema!, name!), { recursive: true });
      return { columns: [{ name: 'result', typeName: 'STRING', typeText: 'string', arrowType: new arrow.Utf8() }], rows: [] };
    }
    const db = await this.#connection();
    const { sql: translated, schemas } = prefixCatalogs(await this.#translate(sql));
    for (const [catalog, schema] of schemas) {
      if (!this.#attached.has(catalog)) {
        await db.run(`ATTACH IF NOT EXISTS ':memory:' AS "${DUCK_PREFIX}${catalog}"`);
        this.#attached.add(catalog);
      }
      await db.run(`CREATE SCHEMA IF NOT EXISTS "${DUCK_PREFIX}${catalog}"."${schema}"`);
    }
    const reader = await db.runAndReadAll(translated);
    const names = reader.columnNames();
    const types = reader.columnTypes().map((t) => t.toString());
    // Decimals come back as objects; the fake serves them as doubles (Databricks would send decimal128).
    let rows = (reader.getRowsJS() as unknown[][]).map((row) => row.map((value, i) => (types[i]?.startsWith('DECIMAL') && value !== null ? Number(String(value)) : value)));
    let columns = names.map((name, i) => columnFor(name, types[i] ?? 'VARCHAR'));
    if (names.length === 1 && names[0] === 'Count' && /^\s*(CREATE|INSERT)\b/i.test(sql)) {
      // Databricks reports DML/CTAS outcomes as num_affected_rows, num_inserted_rows.
      const count = rows[0]?.[0] ?? 0n;
      columns = [columnFor('num_affected_rows', 'BIGINT'), columnFor('num_inserted_rows', 'BIGINT')];
      rows = [[count, count]];
    }
    return { columns, rows };
  }

  async #translate(sql: string): Promise<string> {
    let out = sql.replace(/`([^`]*)`/g, (_, name: string) => `"${name.replaceAll('"', '""')}"`);
    const calls = [...out.matchAll(/read_files\(\s*'((?:[^'\\]|\\.|'')*)'\s*(?:,\s*format\s*=>\s*'(\w+)'\s*)?\)/gi)];
    for (const call of calls) {
      // Spark escapes quotes in literals with a backslash; standard SQL doubles them.
      const volumePath = call[1]!.replaceAll("''", "'").replace(/\\(.)/g, '$1');
      const format = (call[2] ?? 'parquet').toLowerCase();
      if (format !== 'parquet') throw new Error(`[UNSUPPORTED_FILE_FORMAT] this fake reads parquet only, got ${format}`);
      const local = path.join(this.#volumesRoot, ...volumePath.split('/').filter((s) => s !== ''));
      const stats = await fs.stat(local).catch(() => undefined);
      if (stats === undefined) throw new Error(`[PATH_NOT_FOUND] Path does not exist: ${volumePath}.`);
      const glob = stats.isDirectory() ? path.join(local, '**', '*.parquet') : local;
      out = out.replace(call[0], `read_parquet('${glob.replaceAll("'", "''")}')`);
    }
    return out;
  }

  /** A table as GET /api/2.1/unity-catalog/tables/{full_name} describes it; undefined if absent. */
  async tableInfo(fullName: string): Promise<Record<string, unknown> | undefined> {
    const parts = fullName.split('.');
    if (parts.length !== 3) return undefined;
    const [catalog, schema, table] = parts.map((p) => p.toLowerCase()) as [string, string, string];
    if (!this.#attached.has(catalog)) return undefined;
    const db = await this.#connection();
    const esc = (s: string): string => s.replaceAll("'", "''");
    const reader = await db.runAndReadAll(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_catalog='${esc(DUCK_PREFIX + catalog)}' AND table_schema='${esc(schema)}' AND table_name='${esc(table)}' ORDER BY ordinal_position`,
    );
    const rows = reader.getRowsJS() as [string, string, string][];
    if (rows.length === 0) return undefined;
    return {
      name: table,
      catalog_name: catalog,
      schema_name: schema,
      full_name: `${catalog}.${schema}.${table}`,
      table_type: 'MANAGED',
      data_source_format: 'DELTA',
      storage_location: `abfss://metastore@fakestorage.dfs.core.windows.net/${catalog}/${schema}/tables/${table}`,
      columns: rows.map(([name, type, nullable], position) => {
        const t = databricksType(type);
        return { name, type_name: t.typeName, type_text: t.typeText, type_json: JSON.stringify({ name, type: t.typeText, nullable: nullable === 'YES', metadata: {} }), position, nullable: nullable === 'YES' };
      }),
    };
  }

  async dropTable(fullName: string): Promise<boolean> {
    if ((await this.tableInfo(fullName)) === undefined) return false;
    const db = await this.#connection();
    const [catalog, schema, table] = fullName.toLowerCase().split('.') as [string, string, string];
    await db.run(`DROP TABLE "${DUCK_PREFIX}${catalog}"."${schema}"."${table}"`);
    return true;
  }

  // ------------------------------------------------------------------ responses

  #chunkCount(statement: Statement): number {
    return Math.ceil((statement.rows?.length ?? 0) / this.rowsPerChunk);
  }

  #response(statement: Statement, req: FakeRequest): Record<string, unknown> {
    const status: Record<string, unknown> = { state: statement.state };
    if (statement.state === 'FAILED' && statement.error) status.error = statement.error;
    const response: Record<string, unknown> = { statement_id: statement.id, status };
    if (statement.state !== 'SUCCEEDED' || statement.columns === undefined || statement.rows === undefined) return response;
    const count = this.#chunkCount(statement);
    response.manifest = {
      format: statement.format,
      schema: {
        column_count: statement.columns.length,
        columns: statement.columns.map((column, position) => ({ name: column.name, type_name: column.typeName, type_text: column.typeText, position })),
      },
      total_chunk_count: count,
      chunks: Array.from({ length: count }, (_, index) => ({ chunk_index: index, row_offset: index * this.rowsPerChunk, row_count: this.#rowsIn(statement, index) })),
      total_row_count: statement.rows.length,
      truncated: false,
    };
    if (count > 0) response.result = this.#chunkJson(statement, 0, req);
    return response;
  }

  #rowsIn(statement: Statement, index: number): number {
    return Math.max(0, Math.min(this.rowsPerChunk, (statement.rows?.length ?? 0) - index * this.rowsPerChunk));
  }

  #chunkJson(statement: Statement, index: number, _req: FakeRequest): Record<string, unknown> {
    const count = this.#chunkCount(statement);
    const next = index + 1 < count ? { next_chunk_index: index + 1, next_chunk_internal_link: `/api/2.0/sql/statements/${statement.id}/result/chunks/${index + 1}` } : {};
    const base = { chunk_index: index, row_offset: index * this.rowsPerChunk, row_count: this.#rowsIn(statement, index) };
    if (statement.disposition === 'INLINE') {
      const rows = statement.rows!.slice(index * this.rowsPerChunk, (index + 1) * this.rowsPerChunk);
      return { ...base, data_array: rows.map((row) => row.map(toJsonString)), ...next };
    }
    const url = this.#cloud.url(`/_s3/results/${statement.id}/${index}`, ['GET'], 's3', 15 * 60_000);
    return {
      external_links: [
        {
          ...base,
          byte_count: 0,
          external_link: url,
          expiration: new Date(Date.now() + 15 * 60_000).toISOString(),
          http_headers: { 'x-amz-server-side-encryption-customer-algorithm': 'AES256' },
          ...next,
        },
      ],
    };
  }
}

function columnFor(name: string, duckType: string): Column {
  const t = duckType.toUpperCase();
  if (t === 'BIGINT' || t === 'HUGEINT' || t === 'UBIGINT') return { name, typeName: 'LONG', typeText: 'bigint', arrowType: new arrow.Int64() };
  if (t === 'INTEGER' || t === 'UINTEGER') return { name, typeName: 'INT', typeText: 'int', arrowType: new arrow.Int32() };
  if (t === 'SMALLINT') return { name, typeName: 'SHORT', typeText: 'smallint', arrowType: new arrow.Int16() };
  if (t === 'TINYINT') return { name, typeName: 'BYTE', typeText: 'tinyint', arrowType: new arrow.Int8() };
  if (t === 'DOUBLE') return { name, typeName: 'DOUBLE', typeText: 'double', arrowType: new arrow.Float64() };
  if (t === 'FLOAT') return { name, typeName: 'FLOAT', typeText: 'float', arrowType: new arrow.Float32() };
  if (t === 'BOOLEAN') return { name, typeName: 'BOOLEAN', typeText: 'boolean', arrowType: new arrow.Bool() };
  if (t === 'DATE') return { name, typeName: 'DATE', typeText: 'date', arrowType: new arrow.DateDay() };
  if (t === 'TIMESTAMP WITH TIME ZONE') return { name, typeName: 'TIMESTAMP', typeText: 'timestamp', arrowType: new arrow.TimestampMicrosecond('Etc/UTC') };
  if (t.startsWith('TIMESTAMP')) return { name, typeName: 'TIMESTAMP_NTZ', typeText: 'timestamp_ntz', arrowType: new arrow.TimestampMicrosecond() };
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return { name, typeName: 'DECIMAL', typeText: `decimal(${decimal[1]},${decimal[2]})`, arrowType: new arrow.Float64() };
  if (t === 'BLOB') return { name, typeName: 'BINARY', typeText: 'binary', arrowType: new arrow.Binary() };
  return { name, typeName: 'STRING', typeText: 'string', arrowType: new arrow.Utf8() };
}

/** The Databricks name of a DuckDB type (for the UC tables API). */
export function databricksType(duckType: string): { typeName: string; typeText: string } {
  const column = columnFor('', duckType);
  return { typeName: column.typeName, typeText: column.typeText };
}

/** JSON_ARRAY renders every value as a string (or null). */
function toJsonString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** UC catalogs become DuckDB databases named uc_<catalog> ("main", "system", "temp" are reserved in DuckDB). */
const DUCK_PREFIX = 'uc_';

/**
 * Rewrites every three-part name outside string literals to its DuckDB database, and returns the
 * catalog.schema pairs it named.
 */
function prefixCatalogs(sql: string): { sql: string; schemas: [string, string][] } {
  const ident = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)`;
  const pattern = new RegExp(String.raw`'(?:[^'\\]|\\.|'')*'|(?<![\w."])(${ident})\.(${ident})\.(${ident})(?![\w"(])`, 'g');
  const unquote = (text: string): string => (text.startsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text);
  const pairs = new Map<string, [string, string]>();
  const rewritten = sql.replace(pattern, (match: string, catalog?: string, schema?: string, table?: string) => {
    if (catalog === undefined || schema === undefined || table === undefined) return match; // a string literal
    const c = unquote(catalog).toLowerCase();
    const sch = unquote(schema).toLowerCase();
    pairs.set(`${c}.${sch}`, [c, sch]);
    return `"${DUCK_PREFIX}${c}"."${sch}".${table}`;
  });
  return { sql: rewritten, schemas: [...pairs.values()] };
}

/** DuckDB's error texts as Databricks error classes, so clients see what Databricks would say. */
function databricksError(message: string): { error_code: string; message: string } {
  const firstLine = (message.split('\n')[0] ?? message).replaceAll(`"${DUCK_PREFIX}`, '"').replaceAll(DUCK_PREFIX, '');
  const missing = /Table with name "?([^" ]+)"? does not exist/i.exec(firstLine);
  if (missing) return { error_code: 'BAD_REQUEST', message: `[TABLE_OR_VIEW_NOT_FOUND] The table or view \`${missing[1]}\` cannot be found. Verify the spelling and correctness of the schema and catalog.` };
  const exists = /Table with name "?([^" ]+)"? already exists/i.exec(firstLine);
  if (exists) return { error_code: 'BAD_REQUEST', message: `[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view \`${exists[1]}\` because it already exists.` };
  if (/^\[[A-Z_]+\]/.test(firstLine)) return { error_code: 'BAD_REQUEST', message: firstLine };
  if (/Binder Error|Conversion Error|Mismatch Type/i.test(firstLine)) return { error_code: 'BAD_REQUEST', message: `[DATATYPE_MISMATCH] ${firstLine}` };
  return { error_code: 'BAD_REQUEST', message: `[PARSE_SYNTAX_ERROR] ${firstLine}` };
}
