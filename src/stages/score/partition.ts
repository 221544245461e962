import * as arrow from 'apache-arrow';
import { MlopsError } from '../../errors.js';

/** How Hive and Spark name the folder of null values. */
export const NULL_PARTITION = '__HIVE_DEFAULT_PARTITION__';

export interface PartitionSlice {
  /** The folder name, `<column>=<escaped value>`. */
  folder: string;
  /** The partition's rows, without the partition column (its value is in the folder name). */
  batch: arrow.RecordBatch;
}

/**
 * Splits a batch by the value of one column, as Spark's partitionBy does: one slice per distinct
 * value, in order of first appearance, the column itself removed from the rows.
 */
export function partitionBatch(batch: arrow.RecordBatch, column: string): PartitionSlice[] {
  const index = batch.schema.fields.findIndex((field) => field.name === column);
  if (index < 0) {
    throw new MlopsError('CONFIG_INVALID', `partition_by "${column}" is not a column of the predictions (${batch.schema.fields.map((f) => f.name).join(', ')})`, {
      details: { parameter: 'partition_by', column },
    });
  }
  const keys = partitionKeys(batch.getChildAt(index)!.data[0]!, column);
  const groups = new Map<string, number[]>();
  keys.forEach((key, row) => {
    let rows = groups.get(key);
    if (rows === undefined) groups.set(key, (rows = []));
    rows.push(row);
  });
  const fields = batch.schema.fields.filter((_, i) => i !== index);
  const schema = new arrow.Schema(fields, batch.schema.metadata);
  const children = batch.data.children.filter((_, i) => i !== index);
  return [...groups].map(([key, rows]) => {
    const take = Int32Array.from(rows);
    const data = children.map((child) => gather(child, take));
    const struct = arrow.makeData({ type: new arrow.Struct(fields), length: take.length, nullCount: 0, children: data });
    return { folder: `${column}=${key}`, batch: new arrow.RecordBatch(schema, struct) };
  });
}

/** The escaped folder value of each row. */
function partitionKeys(data: arrow.Data, column: string): string[] {
  const rows = data.length;
  const keys = new Array<string>(rows);
  const isNull = (row: number) => data.nullCount > 0 && data.nullBitmap !== undefined && ((data.nullBitmap[(data.offset + row) >> 3]! >> ((data.offset + row) & 7)) & 1) === 0;
  if (arrow.DataType.isDictionary(data.type)) {
    const dictionary = data.dictionary!;
    const escaped = Array.from({ length: dictionary.length }, (_, i) => escapePartitionValue(String(dictionary.get(i))));
    const indices = data.values as Int32Array;
    for (let row = 0; row < rows; row++) keys[row] = isNull(row) ? NULL_PARTITION : escaped[indices[row]!]!;
    return keys;
  }
  if (arrow.DataType.isTimestamp(data.type)) {
    const values = data.values as BigInt64Array;
    // TimeUnit SECOND, MILLISECOND, MICROSECOND, NANOSECOND → milliseconds per unit.
    const milliseconds = [1000, 1, 1e-3, 1e-6][data.type.unit]!;
    for (let row = 0; row < rows; row++) {
      keys[row] = isNull(row) ? NULL_PARTITION : escapePartitionValue(new Date(Number(values[row]!) * milliseconds).toISOString());
    }
    return keys;
  }
  if (arrow.DataType.isFloat(data.type) || arrow.DataType.isInt(data.type)) {
    const values = data.values as ArrayLike<number | bigint>;
    for (let row = 0; row < rows; row++) keys[row] = isNull(row) ? NULL_PARTITION : escapePartitionValue(String(values[row]));
    return keys;
  }
  throw new MlopsError('CONFIG_INVALID', `Cannot partition by "${column}" of type ${String(data.type)}`, { details: { parameter: 'partition_by', column } });
}

/** Hive's escaping of partition values: path and shell-special characters become %XX. */
export function escapePartitionValue(value: string): string {
  if (value === '') return NULL_PARTITION;
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    out += code < 0x20 || code === 0x7f || '"#%\'*/:=?\\{[]^'.includes(char) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : char;
  }
  return out;
}

/**
 * The rows `take` of a column (fixed-width values or dictionary indices, with their validity).
 * Arrow JS slices values with a Data but not its validity bitmap, which `offset` still indexes.
 */
function gather(data: arrow.Data, take: Int32Array): arrow.Data {
  const length = take.length;
  const source = data.values as Float64Array | Int32Array | BigInt64Array;
  const Typed = source.constructor as { new (length: number): Float64Array | Int32Array | BigInt64Array };
  const values = new Typed(length);
  for (let i = 0; i < length; i++) values[i] = source[take[i]!]!;
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (data.nullCount > 0 && data.nullBitmap !== undefined) {
    nullBitmap = new Uint8Array(Math.ceil(length / 8));
    for (let i = 0; i < length; i++) {
      const bit = data.offset + take[i]!;
      if ((data.nullBitmap[bit >> 3]! >> (bit & 7)) & 1) nullBitmap[i >> 3]! |= 1 << (i & 7);
      else nullCount++;
    }
  }
  return arrow.makeData({
    type: data.type,
    length,
    nullCount,
    data: values,
    ...(nullBitmap && nullCount > 0 ? { nullBitmap } : {}),
    ...(data.dictionary ? { dictionary: data.dictionary } : {}),
  } as never);
}
