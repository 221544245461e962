import * as arrow from 'apache-arrow';
import { MlopsError } from '../errors.js';
import type { BufferPool } from './buffer-pool.js';

/**
 * Copies a record batch that parquet-wasm exported through the Arrow C Data Interface out of
 * wasm memory into Arrow JS: a plain memcpy per buffer, where the IPC route serialises and parses
 * every batch (measured: ~3× slower for numeric columns). Primitive numeric and timestamp columns
 * only — what batch scoring reads; callers project the columns they need before exporting.
 * Struct layouts (wasm32): https://arrow.apache.org/docs/format/CDataInterface.html
 */

// ArrowSchema: format, name, metadata (3 pointers), pad, flags (i64), n_children (i64), children, dictionary, release, private_data.
const SCHEMA_FORMAT = 0;
const SCHEMA_NAME = 4;
const SCHEMA_N_CHILDREN = 24;
const SCHEMA_CHILDREN = 32;
// ArrowArray: length, null_count, offset, n_buffers, n_children (i64 each), buffers, children, dictionary, release, private_data.
const ARRAY_LENGTH = 0;
const ARRAY_NULL_COUNT = 8;
const ARRAY_OFFSET = 16;
const ARRAY_N_CHILDREN = 32;
const ARRAY_BUFFERS = 40;
const ARRAY_CHILDREN = 44;

type NumericArray = Float64Array | Float32Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

interface FormatInfo {
  type: () => arrow.DataType;
  width: number;
  make: (buffer: ArrayBuffer, byteOffset: number, length: number) => NumericArray;
}

const FORMATS: Record<string, FormatInfo> = {
  g: { type: () => new arrow.Float64(), width: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  f: { type: () => new arrow.Float32(), width: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  c: { type: () => new arrow.Int8(), width: 1, make: (b, o, n) => new Int8Array(b, o, n) },
  C: { type: () => new arrow.Uint8(), width: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  s: { type: () => new arrow.Int16(), width: 2, make: (b, o, n) => new Int16Array(b, o, n) },
  S: { type: () => new arrow.Uint16(), width: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  i: { type: () => new arrow.Int32(), width: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  I: { type: () => new arrow.Uint32(), width: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  l: { type: () => new arrow.Int64(), width: 8, make: (b, o, n) => new BigInt64Array(b, o, n) },
  L: { type: () => new arrow.Uint64(), width: 8, make: (b, o, n) => new BigUint64Array(b, o, n) },
};

/** The C Data format strings this module can copy, for callers that check a schema first. */
export function canCopyFromC(type: arrow.DataType): boolean {
  return arrow.DataType.isFloat(type) ? type.precision !== arrow.Precision.HALF : arrow.DataType.isInt(type) || arrow.DataType.isTimestamp(type);
}

/**
 * Copies the struct array at `arrayAddress` (a record batch) with schema `schemaAddress` out of
 * `memory` into a new RecordBatch whose buffers belong to JavaScript.
 */
export function copyRecordBatchFromC(memory: ArrayBuffer, arrayAddress: number, schemaAddress: number, pool?: BufferPool): arrow.RecordBatch {
  const view = new DataView(memory);
  const rootFormat = readCString(memory, view.getUint32(schemaAddress + SCHEMA_FORMAT, true));
  if (rootFormat !== '+s') throw new MlopsError('INTERNAL', `Expected a struct array for a record batch, found format "${rootFormat}"`);
  const childCount = Number(view.getBigInt64(arrayAddress + ARRAY_N_CHILDREN, true));
  const schemaChildCount = Number(view.getBigInt64(schemaAddress + SCHEMA_N_CHILDREN, true));
  if (childCount !== schemaChildCount) throw new MlopsError('INTERNAL', `The exported batch has ${childCount} columns but its schema ${schemaChildCount}`);
  const rows = Number(view.getBigInt64(arrayAddress + ARRAY_LENGTH, true));
  const arrayChildren = view.getUint32(arrayAddress + ARRAY_CHILDREN, true);
  const schemaChildren = view.getUint32(schemaAddress + SCHEMA_CHILDREN, true);
  const fields: arrow.Field[] = [];
  const data: arrow.Data[] = [];
  for (let index = 0; index < childCount; index++) {
    const childSchema = view.getUint32(schemaChildren + 4 * index, true);
    const childArray = view.getUint32(arrayChildren + 4 * index, true);
    const name = readCString(memory, view.getUint32(childSchema + SCHEMA_NAME, true));
    const format = readCString(memory, view.getUint32(childSchema + SCHEMA_FORMAT, true));
    const column = copyPrimitive(memory, view, childArray, format, name, pool);
    fields.push(new arrow.Field(name, column.type, true));
    data.push(column);
  }
  const schema = new arrow.Schema(fields);
  const struct = arrow.makeData({ type: new arrow.Struct(fields), length: rows, nullCount: 0, children: data });
  return new arrow.RecordBatch(schema, struct);
}

function copyPrimitive(memory: ArrayBuffer, view: DataView, address: number, format: string, name: string, pool: BufferPool | undefined): arrow.Data {
  const { type, info } = typeOfFormat(format, name);
  const length = Number(view.getBigInt64(address + ARRAY_LENGTH, true));
  const nullCount = Number(view.getBigInt64(address + ARRAY_NULL_COUNT, true));
  const offset = Number(view.getBigInt64(address + ARRAY_OFFSET, true));
  const buffers = view.getUint32(address + ARRAY_BUFFERS, true);
  const validityAddress = view.getUint32(buffers, true);
  const valuesAddress = view.getUint32(buffers + 4, true);
  // A buffer of its own per column (so that it can be transferred to a worker alone), filled by a
  // plain memcpy: ArrayBuffer.slice of a wasm memory measured several times slower.
  const bytes = length * info.width;
  const target = pool ? pool.take(bytes) : new ArrayBuffer(bytes);
  new Uint8Array(target).set(new Uint8Array(memory, valuesAddress + offset * info.width, bytes));
  const values = info.make(target, 0, length);
  let nullBitmap: Uint8Array | undefined;
  if (nullCount > 0 && validityAddress !== 0) nullBitmap = copyBitmap(new Uint8Array(memory), validityAddress, offset, length);
  return arrow.makeData({ type, length, nullCount: nullBitmap === undefined ? 0 : nullCount, data: values as never, ...(nullBitmap ? { nullBitmap } : {}) } as never);
}

function typeOfFormat(format: string, name: string): { type: arrow.DataType; info: FormatInfo } {
  const timestamp = /^ts([smun]):(.*)$/.exec(format);
  if (timestamp) {
    const unit = { s: arrow.TimeUnit.SECOND, m: arrow.TimeUnit.MILLISECOND, u: arrow.TimeUnit.MICROSECOND, n: arrow.TimeUnit.NANOSECOND }[timestamp[1] as 's' | 'm' | 'u' | 'n'];
    return { type: new arrow.Timestamp(unit, timestamp[2] || null), info: FORMATS.l! };
  }
  const info = FORMATS[format];
  if (info === undefined) {
    throw new MlopsError('SCHEMA_MISMATCH', `Column "${name}" has Arrow C format "${format}"; only numeric and timestamp columns can be copied this way`, {
      details: { column: name, format },
    });
  }
  return { type: info.type(), info };
}

/** Copies `length` validity bits starting at bit `offset`, realigned to start at bit 0. */
function copyBitmap(bytes: Uint8Array, address: number, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(length / 8));
  if (offset % 8 === 0) {
    out.set(bytes.subarray(address + offset / 8, address + offset / 8 + out.length));
    return out;
  }
  for (let i = 0; i < length; i++) {
    const bit = offset + i;
    if ((bytes[address + (bit >> 3)]! >> (bit & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}

function readCString(memory: ArrayBuffer, address: number): string {
  if (address === 0) return '';
  const bytes = new Uint8Array(memory);
  let end = address;
  while (bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(address, end));
}
