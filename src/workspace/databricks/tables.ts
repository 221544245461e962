import { randomUUID } from 'node:crypto';
import * as arrow from 'apache-arrow';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { conformBatch, sameLogicalType, widenNullability } from '../../io/conform-batch.js';
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
      // A part has one schema; batches of one write may differ in string encoding and nullability.
      const table = pending.length > 0 ? new arrow.Table(pending.map((b) => conformBatch(b, partSchema))) : new arrow.Table(partSchema);
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
          checkSameArrowColumns(full, batchSchema, batch.schema);
          schema = widenNullability(schema ?? batchSchema, batch.schema);
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

/** Same column names in the same order with the same SQL types (what Delta would accept unchanged). */
function checkSameColumns(table: string, expected: arrow.Schema, found: arrow.Schema, expectedFrom: string): void {
  const sameColumn = (a: arrow.Field, b: arrow.Field) => a.name.toLowerCase() === b.name.toLowerCase() && sqlTypeOf(a.type) === sqlTypeOf(b.type);
  if (expected.fields.length === found.fields.length && expected.fields.every((field, i) => found.fields[i] !== undefined && sameColumn(field, found.fields[i]!))) return;
  throwMismatch(table, expected, found, expectedFrom, (type) => sqlTypeOf(type), (a, b) => sqlTypeOf(a) === sqlTypeOf(b));
}

/**
 * The batches of one write become Parquet parts of one schema, so beyond their SQL types they must
 * hold the same Arrow values (a dictionary-encoded and a plain string column do; TIMESTAMP in
 * milliseconds and in microseconds do not).
 */
function checkSameArrowColumns(table: string, first: arrow.Schema, found: arrow.Schema): void {
  const sameColumn = (a: arrow.Field, b: arrow.Field) => a.name === b.name && sameLogicalType(a.type, b.type);
  if (first.fields.length === found.fields.length && first.fields.every((field, i) => found.fields[i] !== undefined && sameColumn(field, found.fields[i]!))) return;
  throwMismatch(table, first, found, 'the first batch', (type) => String(type), sameLogicalType);
}

function throwMismatch(
  table: string,
  expected: arrow.Schema,
  found: arrow.Schema,
  expectedFrom: string,
  typeName: (type: arrow.DataType) => string,
  sameType: (a: arrow.DataType, b: arrow.DataType) => boolean,
): never {
  const describe = (schema: arrow.Schema) => schema.fields.map((field) => `${field.name}: ${typeName(field.type)}`).join(', ');
  const foundByName = new Map(found.fields.map((f) => [f.name.toLowerCase(), f]));
  const expectedNames = new Set(expected.fields.map((f) => f.name.toLowerCase()));
  const missing = expected.fields.filter((f) => !foundByName.has(f.name.toLowerCase())).map((f) => f.name);
  const unexpected = found.fields.filter((f) => !expectedNames.has(f.name.toLowerCase())).map((f) => f.name);
  const retyped = expected.fields.flatMap((field) => {
    const other = foundByName.get(field.name.toLowerCase());
    return other !== undefined && !sameType(field.type, other.type) ? [`${field.name} (${typeName(field.type)} → ${typeName(other.type)})`] : [];
  });
  const problems = [
    missing.length > 0 ? `missing ${missing.join(', ')}` : '',
    unexpected.length > 0 ? `unexpected ${unexpected.join(', ')}` : '',
    retyped.length > 0 ? `different type ${retyped.join(', ')}` : '',
    missing.length + unexpected.length + retyped.length === 0 ? 'columns in a different order or case' : '',
  ].filter((problem) => problem !== '');
  throw new MlopsError('SCHEMA_MISMATCH', `Cannot write to table ${table}: the batch columns [${describe(found)}] do not match ${expectedFrom} [${describe(expected)}]: ${problems.join('; ')}`, {
    details: { table, expected: describe(expected), found: describe(found), missing, unexpected },
  });
}
