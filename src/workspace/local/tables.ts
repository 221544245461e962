import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { writeLocalFileAtomic } from '../../io/atomic-file.js';
import { conformBatch, sameLogicalType, widenNullability } from '../../io/conform-batch.js';
import { errnoCode, toMlopsError } from '../../io/fs-errors.js';
import { readParquetBatches, tableToParquet } from '../../io/parquet.js';
import { streamWriterWrites } from '../../io/parquet-columns.js';
import { encodeParquet } from '../../io/parquet-writer.js';
import type { CallOptions, TableInfo, TableStore, WriteMode } from '../types.js';
import { formatTableName, parseTableName, tableNameToLocal } from './paths.js';

/** The manifest is the commit point: only the part files it lists belong to the table. */
export const TABLE_MANIFEST_FILE = '_mlops_table.json';
const MANIFEST_FORMAT = 'mlops-table';

/**
 * Parts of up to this many rows are written by our own Parquet encoder (ParquetStreamWriter, as
 * ingestion and scoring output files are), bigger ones by parquet-wasm. For a small part the cost
 * is compiling parquet-wasm's writer, not encoding: ~50 ms of a cold `mlops run pipeline_job`
 * writing 150 predictions. Readers get the table's schema either way (asTableSchema).
 */
export const SMALL_PART_ROWS = 65_536;

export interface LocalTableStoreOptions {
  /** The workspace root; table c.s.t lives in <root>/tables/c/s/t/. */
  root: string;
  /** Rows gathered before a part file is written; default 1,000,000. */
  rowsPerPart?: number;
}

interface ManifestPart {
  file: string;
  rows: number;
  bytes: number;
}

interface TableManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  name: string;
  /** For people reading the file; the exact schema is `schemaIpc`. */
  columns: { name: string; type: string; nullable: boolean }[];
  /** The Arrow schema as a base64 Arrow IPC stream with no rows, so every type round-trips exactly. */
  schemaIpc: string;
  rows: number;
  parts: ManifestPart[];
}

interface LoadedManifest {
  manifest: TableManifest;
  schema: arrow.Schema;
}

/**
 * Unity Catalog tables as folders of Parquet part files plus a manifest. A write adds new part files,
 * then atomically replaces the manifest, then removes parts the new manifest no longer lists; a crash
 * at any point leaves either the old table or the new one, and readers never see uncommitted parts.
 * Concurrent writers to one table are not coordinated: the last manifest written wins.
 */
export class LocalTableStore implements TableStore {
  readonly root: string;
  private readonly rowsPerPart: number;

  constructor(options: LocalTableStoreOptions) {
    this.root = path.resolve(options.root);
    this.rowsPerPart = options.rowsPerPart ?? 1_000_000;
    if (!Number.isInteger(this.rowsPerPart) || this.rowsPerPart < 1) {
      throw new MlopsError('INVALID_ARGUMENT', `rowsPerPart must be a positive integer; found ${options.rowsPerPart}`);
    }
  }

  /** The folder holding a table's files. */
  localPath(name: string): string {
    return tableNameToLocal(this.root, name);
  }

  async exists(name: string, options: CallOptions = {}): Promise<boolean> {
    throwIfAborted(options.signal);
    return (await this.loadManifest(name)) !== undefined;
  }

  async describe(name: string, options: CallOptions = {}): Promise<TableInfo> {
    throwIfAborted(options.signal);
    const loaded = await this.requireManifest(name);
    return { name: loaded.manifest.name, schema: loaded.schema, location: this.localPath(name) };
  }

  async *read(name: string, options: CallOptions = {}): AsyncIterable<arrow.RecordBatch> {
    throwIfAborted(options.signal);
    const { manifest, schema } = await this.requireManifest(name);
    const directory = this.localPath(name);
    for (const part of manifest.parts) {
      throwIfAborted(options.signal);
      const file = path.join(directory, part.file);
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(file);
      } catch (error) {
        throw toMlopsError(error, `read part ${part.file} of table ${manifest.name} (it may have been replaced by a concurrent overwrite)`);
      }
      for (const batch of readParquetBatches(bytes, { source: file })) {
        // Parts written by different commits may differ in nullability, and a Parquet reader numbers
        // dictionaries its own way; present the table's schema.
        yield asTableSchema(batch, schema, manifest.name, part.file);
      }
    }
  }

  async write(
    name: string,
    batches: AsyncIterable<arrow.RecordBatch> | Iterable<arrow.RecordBatch>,
    options: CallOptions & { mode?: WriteMode } = {},
  ): Promise<TableInfo & { rows: number }> {
    const tableName = formatTableName(parseTableName(name));
    // Appending is the default because it can never destroy data.
    const mode = options.mode ?? 'append';
    if (mode !== 'append' && mode !== 'overwrite') {
      throw new MlopsError('INVALID_ARGUMENT', `Unknown write mode ${JSON.stringify(mode)} for table ${tableName}; expected append or overwrite`);
    }
    throwIfAborted(options.signal);
    const directory = this.localPath(name);
    const previous = await this.loadManifest(name);
    const expected = mode === 'append' ? previous?.schema : undefined;

    const commitId = randomUUID();
    const newParts: ManifestPart[] = [];
    let schema: arrow.Schema | undefined = expected;
    let pending: arrow.RecordBatch[] = [];
    let pendingRows = 0;
    let rowsWritten = 0;

    const flush = async (): Promise<void> => {
      if (pendingRows === 0 || schema === undefined) return;
      const partSchema = schema;
      // Batches may differ from the table in nullability and string encoding; a part has one schema.
      const conformed = pending.map((batch) => conformBatch(batch, partSchema));
      const file = `part-${String(newParts.length).padStart(5, '0')}-${commitId}.parquet`;
      const bytes =
        pendingRows <= SMALL_PART_ROWS && streamWriterWrites(partSchema)
          ? await encodeParquet(conformed, `part ${file} of table ${tableName}`, options.signal)
          : tableToParquet(new arrow.Table(conformed));
      // Recorded before writing so a failed write's leftovers are cleaned up with the rest.
      newParts.push({ file, rows: pendingRows, bytes: bytes.byteLength });
      await writeLocalFileAtomic(path.join(directory, file), bytes, {
        overwrite: false,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        displayName: `part ${file} of table ${tableName}`,
      });
      rowsWritten += pendingRows;
      pending = [];
      pendingRows = 0;
    };

    try {
      for await (const batch of batches) {
        throwIfAborted(options.signal);
        if (schema === undefined) {
          schema = batch.schema;
        } else {
          checkSameColumns(tableName, schema, batch.schema, expected === undefined ? 'the first batch' : 'the table');
          schema = widenNullability(schema, batch.schema);
        }
        if (batch.numRows === 0) continue;
        pending.push(batch);
        pendingRows += batch.numRows;
        if (pendingRows >= this.rowsPerPart) await flush();
      }
      await flush();
      if (schema === undefined) {
        if (previous === undefined) {
          throw new MlopsError(
            'INVALID_ARGUMENT',
            `Cannot create table ${tableName} from no record batches: there is no schema to give it`,
            { details: { table: tableName } },
          );
        }
        schema = previous.schema;
      }

      const keptParts = mode === 'append' && previous !== undefined ? previous.manifest.parts : [];
      const parts = [...keptParts, ...newParts];
      const manifest: TableManifest = {
        format: MANIFEST_FORMAT,
        version: 1,
        name: tableName,
        columns: schema.fields.map((field) => ({ name: field.name, type: String(field.type), nullable: field.nullable })),
        schemaIpc: encodeSchema(schema),
        rows: parts.reduce((sum, part) => sum + part.rows, 0),
        parts,
      };
      throwIfAborted(options.signal);
      await writeLocalFileAtomic(path.join(directory, TABLE_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, {
        displayName: `manifest of table ${tableName}`,
      });
    } catch (error) {
      await removeParts(directory, newParts);
      throw error;
    }

    if (mode === 'overwrite' && previous !== undefined) {
      const stillListed = new Set(newParts.map((part) => part.file));
      await removeParts(directory, previous.manifest.parts.filter((part) => !stillListed.has(part.file)));
    }
    return { name: tableName, schema, location: directory, rows: rowsWritten };
  }

  async drop(name: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const directory = this.localPath(name);
    try {
      // Removing the manifest first makes the table disappear at once, whatever happens to the rest.
      await fs.rm(path.join(directory, TABLE_MANIFEST_FILE), { force: true });
      await fs.rm(directory, { recursive: true, force: true });
    } catch (error) {
      throw toMlopsError(error, `drop table ${name}`);
    }
  }

  private async requireManifest(name: string): Promise<LoadedManifest> {
    const loaded = await this.loadManifest(name);
    if (loaded === undefined) {
      throw new MlopsError('NOT_FOUND', `Table ${formatTableName(parseTableName(name))} does not exist (no ${TABLE_MANIFEST_FILE} in ${this.localPath(name)})`, {
        details: { table: name },
      });
    }
    return loaded;
  }

  private async loadManifest(name: string): Promise<LoadedManifest | undefined> {
    const file = path.join(this.localPath(name), TABLE_MANIFEST_FILE);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw toMlopsError(error, `read ${file}`);
    }
    return parseManifest(text, file);
  }
}

function parseManifest(text: string, file: string): LoadedManifest {
  let manifest: TableManifest;
  let schema: arrow.Schema;
  try {
    manifest = JSON.parse(text) as TableManifest;
    if (manifest.format !== MANIFEST_FORMAT || manifest.version !== 1 || !Array.isArray(manifest.parts)) {
      throw new Error(`expected format "${MANIFEST_FORMAT}" version 1 with a parts list`);
    }
    schema = decodeSchema(manifest.schemaIpc);
  } catch (error) {
    throw new MlopsError('CORRUPT', `Table manifest ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      details: { file },
    });
  }
  return { manifest, schema };
}

function encodeSchema(schema: arrow.Schema): string {
  return Buffer.from(arrow.tableToIPC(new arrow.Table(schema), 'stream')).toString('base64');
}

function decodeSchema(base64: string): arrow.Schema {
  if (typeof base64 !== 'string') throw new Error('schemaIpc is missing');
  return arrow.tableFromIPC(Buffer.from(base64, 'base64')).schema;
}

function describeColumns(schema: arrow.Schema): string {
  return schema.fields.map((field) => `${field.name}: ${String(field.type)}`).join(', ');
}

/** Same column names, order and logical types; nullability and dictionary encoding may differ. */
function checkSameColumns(tableName: string, expected: arrow.Schema, found: arrow.Schema, expectedFrom: string): void {
  const sameLength = expected.fields.length === found.fields.length;
  const same =
    sameLength &&
    expected.fields.every((field, index) => {
      const other = found.fields[index];
      return other !== undefined && other.name === field.name && sameLogicalType(field.type, other.type);
    });
  if (same) return;
  const foundByName = new Map(found.fields.map((field) => [field.name, field]));
  const expectedNames = new Set(expected.fields.map((field) => field.name));
  const missing = expected.fields.filter((field) => !foundByName.has(field.name)).map((field) => field.name);
  const unexpected = found.fields.filter((field) => !expectedNames.has(field.name)).map((field) => field.name);
  const retyped = expected.fields
    .filter((field) => {
      const other = foundByName.get(field.name);
      return other !== undefined && !sameLogicalType(field.type, other.type);
    })
    .map((field) => `${field.name} (${String(field.type)} → ${String(foundByName.get(field.name)?.type)})`);
  const problems = [
    missing.length > 0 ? `missing ${missing.join(', ')}` : '',
    unexpected.length > 0 ? `unexpected ${unexpected.join(', ')}` : '',
    retyped.length > 0 ? `different type ${retyped.join(', ')}` : '',
    missing.length + unexpected.length + retyped.length === 0 ? 'columns in a different order' : '',
  ].filter((problem) => problem !== '');
  throw new MlopsError(
    'SCHEMA_MISMATCH',
    `Cannot write to table ${tableName}: the batch columns [${describeColumns(found)}] do not match ${expectedFrom} [${describeColumns(expected)}]: ${problems.join('; ')}`,
    { details: { table: tableName, expected: describeColumns(expected), found: describeColumns(found), missing, unexpected } },
  );
}

function asTableSchema(batch: arrow.RecordBatch, schema: arrow.Schema, tableName: string, partFile: string): arrow.RecordBatch {
  if (batch.schema === schema) return batch;
  const compatible =
    batch.schema.fields.length === schema.fields.length &&
    schema.fields.every((field, index) => {
      const other = batch.schema.fields[index];
      return other !== undefined && other.name === field.name && sameLogicalType(field.type, other.type);
    });
  if (!compatible) {
    throw new MlopsError(
      'CORRUPT',
      `Part ${partFile} of table ${tableName} has columns [${describeColumns(batch.schema)}], but the manifest says [${describeColumns(schema)}]`,
      { details: { table: tableName, part: partFile } },
    );
  }
  return conformBatch(batch, schema);
}

async function removeParts(directory: string, parts: readonly ManifestPart[]): Promise<void> {
  // Best effort: an unlisted part left behind is invisible to readers, only wasted space.
  await Promise.all(parts.map((part) => fs.rm(path.join(directory, part.file), { force: true }).catch(() => undefined)));
}
