import { randomUUID } from 'node:crypto';
import * as arrow from 'apache-arrow';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { tableToParquet } from '../../io/parquet.js';
import { formatTableName, parseTableName, type TableNameParts } from '../local/paths.js';
import type { CallOptions, TableInfo, TableStore, VolumeStore, WriteMode } from '../types.js';
import type { DatabricksClient } from './http-client.js';
import { arrowTypeFromDatabricks, quoteIdentifier, quoteString, sqlTypeOf } from './sql-types.js';
import type { StatementExecutor } from './statements.js';

export interface DatabricksTableStoreOptions {
  client: DatabricksClient;
  statements: StatementExecutor;
  /** Where Parquet is staged before the warehouse loads it. */
  volumes: VolumeStore;
  /** A volume in each table's schema used for staging; created when missing. Default mlops_staging. */
  stagingVolume?: string;
  /** Rows gathered before a staged Parquet part is written; default 1,000,000. */
  rowsPerPart?: number;
}

interface ColumnInfoJson {
  name: string;
  type_name: string;
  type_text?: string;
  position?: number;
  nullable?: boolean;
}

/**
 * Unity Catalog tables through a SQL warehouse. A write stages the batches as Parquet in a volume
 * and loads them with one statement — CREATE OR REPLACE TABLE … AS SELECT … FROM read_files(…) to
 * overwrite, INSERT INTO … SELECT … FROM read_files(…) to append — so the table changes in one
 * Delta commit or not at all. Reads stream the EXTERNAL_LINKS / ARROW_STREAM result chunk by chunk.
 */
export class DatabricksTableStore implements TableStore {
  readonly #client: DatabricksClient;
  readonly #statements: StatementExecutor;
  readonly #volumes: VolumeStore;
  readonly #stagingVolume: string;
  readonly #rowsPerPart: number;
  readonly #stagingReady = new Set<string>();

  constructor(options: DatabricksTableStoreOptions) {
    this.#client = options.client;
    this.#statements = options.statements;
    this.#volumes = options.volumes;
    this.#stagingVolume = options.stagingVolume ?? 'mlops_staging';
    this.#rowsPerPart = options.rowsPerPart ?? 1_000_000;
  }

  async exists(name: string, options: CallOptions = {}): Promise<boolean> {
    const full = formatTableName(parseTableName(name));
    const response = await this.#client.json<{ table_exists?: boolean }>('GET', `/api/2.1/unity-catalog/tables/${encodeURIComponent(full)}/exists`, signalOf(options));
    return response.table_exists === true;
  }

  async describe(name: string, options: CallOptions = {}): Promise<TableInfo> {
    const full = formatTableName(parseTableName(name));
    let info: { full_name?: string; columns?: ColumnInfoJson[]; storage_location?: string };
    try {
      info = await this.#client.json('GET', `/api/2.1/unity-catalog/tables/${encodeURIComponent(full)}`, signalOf(options));
    } catch (error) {
      if (error instanceof MlopsError && error.code === 'NOT_FOUND') {
        throw new MlopsError('NOT_FOUND', `Table ${full} does not exist in Unity Catalog`, { cause: error, details: { table: full } });
      }
      throw error;
    }
    const columns = [...(info.columns ?? [])].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    const schema = new arrow.Schema(columns.map((column) => new arrow.Field(column.name, arrowTypeFromDatabricks(column.type_name, column.type_text), column.nullable !== false)));
    return { name: info.full_name ?? full, schema, location: info.storage_location ?? '' };
  }

  async *read(name: string, options: CallOptions = {}): AsyncIterable<arrow.RecordBatch> {
    const parts = parseTableName(name);
    const result = await this.#statements.execute(`SELECT * FROM ${qualified(parts)}`, { disposition: 'EXTERNAL_LINKS', format: 'ARROW_STREAM', ...signalOf(options) });
    yield* this.#statements.batches(result, signalOf(options));
  }

  async write(
    name: string,
    batches: AsyncIterable<arrow.RecordBatch> | Iterable<arrow.RecordBatch>,
    options: CallOptions & { mode?: WriteMode } = {},
  ): Promise<TableInfo & { rows: number }> {
    const parts = parseTableName(name);
    const full = formatTableName(parts);
    const mode = options.mode ?? 'append';
    if (mode !== 'append' && mode !== 'overwrite') {
      throw new MlopsError('INVALID_ARGUMENT', `Unknown write mode ${JSON.stringify(mode)} for table ${full}; expected append or overwrite`, { details: { table: full } });
    }
    throwIfAborted(options.signal);
    const existing = (await this.exists(full, options)) ? await this.describe(full, options) : undefined;
    const expected = mode === 'append' ? existing?.schema : undefined;
    const stagingDir = await this.#stagingDirectory(parts, options);

    let schema: arrow.Schema | undefined = expected;
    let pending: arrow.RecordBatch[] = [];
    let pendingRows = 0;
    let rows = 0;
    let partIndex = 0;
    const flush = async (force: boolean): Promise<void> => {
      if (schema === undefined || (pendingRows === 0 && !force)) return;
      const partSchema = schema;
      const table = pending.length > 0 ? new arrow.Table(pending.map((b) => new arrow.RecordBatch(partSchema, b.data))) : new arrow.Table(partSchema);
      await this.#volumes.write(`${stagingDir}/part-${String(partIndex++).padStart(5, '0')}.parquet`, tableToParquet(table), { overwrite: false, ...signalOf(options) });
      rows += pendingRows;
      pending = [];
      pendingRows = 0;
    };

    try {
      let batchSchema: arrow.Schema | undefined;
      for await (const batch of batches) {
        throwIfAborted(options.signal);
        if (batchSchema === undefined) {
          if (expected !== undefined) checkSameColumns(full, expected, batch.schema, 'the table');
          batchSchema = batch.schema;
          schema = batch.schema;
        } else {
          checkSameColumns(full, batchSchema, batch.schema, 'the first batch');
        }
        if (batch.numRows === 0) continue;
        pending.push(batch);
        pendingRows += batch.numRows;
        if (pendingRows >= this.#rowsPerPart) await flush(false);
      }
      if (schema === undefined) {
        if (existing === undefined) {
          throw new MlopsError('INVALID_ARGUMENT', `Cannot create table ${full} from no record batches: there is no schema to give it`, { details: { table: full } });
        }
        schema = existing.schema;
      }
      // An empty staged file still gives read_files the schema (an empty overwrite empties the table).
      await flush(partIndex === 0);

      const columns = schema.fields.map((field) => quoteIdentifier(field.name)).join(', ');
      const source = `SELECT ${columns} FROM read_files(${quoteString(stagingDir)}, format => 'parquet')`;
      const statement =
        mode === 'append' && existing !== undefined ? `INSERT INTO ${qualified(parts)} ${source}` : `CREATE OR REPLACE TABLE ${qualified(parts)} AS ${source}`;
      await this.#statements.execute(statement, signalOf(options));
    } finally {
      await this.#volumes.delete(stagingDir).catch(() => undefined);
    }
    const info = await this.describe(full, options);
    return { ...info, rows };
  }

  async drop(name: string, options: CallOptions = {}): Promise<void> {
    await this.#statements.execute(`DROP TABLE IF EXISTS ${qualified(parseTableName(name))}`, signalOf(options));
  }

  async #stagingDirectory(parts: TableNameParts, options: CallOptions): Promise<string> {
    const key = `${parts.catalog}.${parts.schema}`;
    if (!this.#stagingReady.has(key)) {
      await this.#statements.execute(`CREATE VOLUME IF NOT EXISTS ${quoteIdentifier(parts.catalog)}.${quoteIdentifier(parts.schema)}.${quoteIdentifier(this.#stagingVolume)}`, signalOf(options));
      this.#stagingReady.add(key);
    }
    return `/Volumes/${parts.catalog}/${parts.schema}/${this.#stagingVolume}/${parts.table}-${randomUUID()}`;
  }
}

export function qualified(parts: TableNameParts): string {
  return [parts.catalog, parts.schema, parts.table].map(quoteIdentifier).join('.');
}

function signalOf(options: CallOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

function describeColumns(schema: arrow.Schema): string {
  return schema.fields.map((field) => `${field.name}: ${sqlTypeOf(field.type)}`).join(', ');
}

/** Same column names in the same order with the same SQL types (what Delta would accept unchanged). */
function checkSameColumns(table: string, expected: arrow.Schema, found: arrow.Schema, expectedFrom: string): void {
  const same =
    expected.fields.length === found.fields.length &&
    expected.fields.every((field, i) => {
      const other = found.fields[i];
      return other !== undefined && other.name.toLowerCase() === field.name.toLowerCase() && sqlTypeOf(other.type) === sqlTypeOf(field.type);
    });
  if (same) return;
  const foundNames = new Set(found.fields.map((f) => f.name.toLowerCase()));
  const expectedNames = new Set(expected.fields.map((f) => f.name.toLowerCase()));
  const missing = expected.fields.filter((f) => !foundNames.has(f.name.toLowerCase())).map((f) => f.name);
  const unexpected = found.fields.filter((f) => !expectedNames.has(f.name.toLowerCase())).map((f) => f.name);
  throw new MlopsError(
    'SCHEMA_MISMATCH',
    `Cannot write to table ${table}: the batch columns [${describeColumns(found)}] do not match ${expectedFrom} [${describeColumns(expected)}]` +
      `${missing.length > 0 ? `; missing ${missing.join(', ')}` : ''}${unexpected.length > 0 ? `; unexpected ${unexpected.join(', ')}` : ''}`,
    { details: { table, expected: describeColumns(expected), found: describeColumns(found), missing, unexpected } },
  );
}
