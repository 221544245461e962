import type * as arrow from 'apache-arrow';
import { BadFileError } from './bad-file.js';
import { coerceParquet } from './coerce.js';
import type { QuarantineBuffer, RowBuffer } from './rows.js';
import { matchColumns } from './schema.js';
import type { ColumnMatch, IngestSchema } from './schema.js';

/**
 * Parquet record batches → rows. The file's columns are matched to the schema by name when it is
 * opened (a mismatch makes the whole file bad); each value is coerced by the same rules as CSV and
 * JSON, and a row that fails is quarantined as a JSON object with its 1-based row number.
 */
export class ParquetRowDecoder {
  private readonly match: ColumnMatch;
  /** Rows decoded so far, for row numbers. */
  private rowNumber = 0;

  constructor(
    private readonly schema: IngestSchema,
    onExtraColumns: 'rescue' | 'fail',
    private readonly rows: RowBuffer,
    private readonly quarantine: QuarantineBuffer,
    file: string,
    fileSchema: arrow.Schema,
  ) {
    const names = fileSchema.fields.map((field) => field.name);
    const match = matchColumns(schema, names, onExtraColumns);
    if (typeof match === 'string') throw new BadFileError('SCHEMA_MISMATCH', file, `the Parquet schema ${match}`, { found: names });
    this.match = match;
  }

  /** Decodes `batch` from row `from` until the RowBuffer is full; returns where to go on (numRows when done). */
  decode(batch: arrow.RecordBatch, from: number): number {
    const { positions, extras } = this.match;
    const columns = this.schema.columns;
    const vectors = positions.map((position) => (position < 0 ? undefined : batch.getChildAt(position)));
    const extraVectors = extras.map((extra) => ({ name: extra.name, vector: batch.getChildAt(extra.position) }));
    let row = from;
    while (row < batch.numRows) {
      if (this.rows.full) return row;
      this.rowNumber++;
      const reasons: string[] = [];
      for (let k = 0; k < columns.length; k++) {
        const vector = vectors[k];
        const coerced = coerceParquet(columns[k]!, vector === undefined || vector === null ? null : vector.get(row));
        if (coerced.ok) this.rows.set(k, coerced.value);
        else reasons.push(coerced.reason);
      }
      let rescued: Record<string, unknown> | undefined;
      for (const { name, vector } of extraVectors) {
        const value = vector?.get(row);
        if (value === null || value === undefined) continue;
        rescued ??= {};
        rescued[name] = plain(value);
      }
      if (reasons.length > 0) {
        this.quarantine.add(rowJson(batch, row), this.rowNumber, reasons.join('; '));
      } else {
        if (rescued !== undefined) this.rows.setRescued(JSON.stringify(rescued));
        this.rows.commit();
      }
      row++;
    }
    return row;
  }
}

/** The whole row as a JSON object, for the quarantine table's raw_record. */
function rowJson(batch: arrow.RecordBatch, row: number): string {
  const object: Record<string, unknown> = {};
  batch.schema.fields.forEach((field, index) => {
    object[field.name] = plain(batch.getChildAt(index)?.get(row) ?? null);
  });
  return JSON.stringify(object);
}

/** JSON-safe: 64-bit integers as strings, nested Arrow values as their JSON form. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object' && 'toJSON' in value && typeof (value as { toJSON: unknown }).toJSON === 'function') {
    return JSON.parse(JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner)));
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}
