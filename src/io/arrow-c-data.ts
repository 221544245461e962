import * as arrow from 'apache-arrow';
import type { BufferPool } from './buffer-pool.js';
import { readCColumns } from './c-data-columns.js';

/**
 * Copies a record batch that parquet-wasm exported through the Arrow C Data Interface out of
 * wasm memory into Arrow JS (see c-data-columns.ts for the copy itself). Primitive numeric and
 * timestamp columns only; callers project the columns they need before exporting.
 */

const TYPES: Record<string, () => arrow.DataType> = {
  g: () => new arrow.Float64(),
  f: () => new arrow.Float32(),
  c: () => new arrow.Int8(),
  C: () => new arrow.Uint8(),
  s: () => new arrow.Int16(),
  S: () => new arrow.Uint16(),
  i: () => new arrow.Int32(),
  I: () => new arrow.Uint32(),
  l: () => new arrow.Int64(),
  L: () => new arrow.Uint64(),
};

/** Whether copyRecordBatchFromC can copy a column of this type (for callers that check a schema first). */
export function canCopyFromC(type: arrow.DataType): boolean {
  return arrow.DataType.isFloat(type) ? type.precision !== arrow.Precision.HALF : arrow.DataType.isInt(type) || arrow.DataType.isTimestamp(type);
}

export function copyRecordBatchFromC(memory: ArrayBuffer, arrayAddress: number, schemaAddress: number, pool?: BufferPool): arrow.RecordBatch {
  const { rows, columns } = readCColumns(memory, arrayAddress, schemaAddress, pool);
  const fields: arrow.Field[] = [];
  const data: arrow.Data[] = [];
  for (const column of columns) {
    const type = typeOfFormat(column.format);
    fields.push(new arrow.Field(column.name, type, true));
    data.push(
      arrow.makeData({ type, length: column.values.length, nullCount: column.nullCount, data: column.values as never, ...(column.validity ? { nullBitmap: column.validity } : {}) } as never),
    );
  }
  const struct = arrow.makeData({ type: new arrow.Struct(fields), length: rows, nullCount: 0, children: data });
  return new arrow.RecordBatch(new arrow.Schema(fields), struct);
}

/** The Arrow type of a format readCColumns accepted. */
function typeOfFormat(format: string): arrow.DataType {
  const timestamp = /^ts([smun]):(.*)$/.exec(format);
  if (timestamp) {
    const unit = { s: arrow.TimeUnit.SECOND, m: arrow.TimeUnit.MILLISECOND, u: arrow.TimeUnit.MICROSECOND, n: arrow.TimeUnit.NANOSECOND }[timestamp[1] as 's' | 'm' | 'u' | 'n'];
    return new arrow.Timestamp(unit, timestamp[2] || null);
  }
  return TYPES[format]!();
}
