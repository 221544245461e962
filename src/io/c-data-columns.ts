import { MlopsError } from '../errors.js';
import type { BufferPool } from './buffer-pool.js';

/**
 * Reads a record batch that parquet-wasm exported through the Arrow C Data Interface out of wasm
 * memory: per column a plain memcpy into a buffer of its own, where the IPC route serialises and
 * parses every batch (measured: ~3× slower for numeric columns). Primitive numeric and timestamp
 * columns only — what batch scoring reads. No Arrow JS here, so that a worker thread can decode
 * without loading it; arrow-c-data.ts makes Arrow batches of the result.
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

export type NumericArray = Float64Array | Float32Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

/** One column copied out of wasm memory. */
export interface CColumn {
  name: string;
  /** The C Data format string, e.g. "g" (float64) or "tsm:UTC" (timestamp, milliseconds, UTC). */
  format: string;
  values: NumericArray;
  /** Present when the column has nulls; bit 0 is row 0. */
  validity?: Uint8Array;
  nullCount: number;
}

interface FormatInfo {
  width: number;
  make: (buffer: ArrayBuffer, byteOffset: number, length: number) => NumericArray;
}

const FORMATS: Record<string, FormatInfo> = {
  g: { width: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  f: { width: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  c: { width: 1, make: (b, o, n) => new Int8Array(b, o, n) },
  C: { width: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  s: { width: 2, make: (b, o, n) => new Int16Array(b, o, n) },
  S: { width: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  i: { width: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  I: { width: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  l: { width: 8, make: (b, o, n) => new BigInt64Array(b, o, n) },
  L: { width: 8, make: (b, o, n) => new BigUint64Array(b, o, n) },
};

/** The columns of an exported record batch (a struct array), each copied into a buffer from `pool` (or a new one). */
export function readCColumns(memory: ArrayBuffer, arrayAddress: number, schemaAddress: number, pool?: BufferPool): { rows: number; columns: CColumn[] } {
  const view = new DataView(memory);
  const rootFormat = readCString(memory, view.getUint32(schemaAddress + SCHEMA_FORMAT, true));
  if (rootFormat !== '+s') throw new MlopsError('INTERNAL', `Expected a struct array for a record batch, found format "${rootFormat}"`);
  const childCount = Number(view.getBigInt64(arrayAddress + ARRAY_N_CHILDREN, true));
  const schemaChildCount = Number(view.getBigInt64(schemaAddress + SCHEMA_N_CHILDREN, true));
  if (childCount !== schemaChildCount) throw new MlopsError('INTERNAL', `The exported batch has ${childCount} columns but its schema ${schemaChildCount}`);
  const rows = Number(view.getBigInt64(arrayAddress + ARRAY_LENGTH, true));
  const arrayChildren = view.getUint32(arrayAddress + ARRAY_CHILDREN, true);
  const schemaChildren = view.getUint32(schemaAddress + SCHEMA_CHILDREN, true);
  const columns: CColumn[] = [];
  for (let index = 0; index < childCount; index++) {
    const childSchema = view.getUint32(schemaChildren + 4 * index, true);
    const childArray = view.getUint32(arrayChildren + 4 * index, true);
    const name = readCString(memory, view.getUint32(childSchema + SCHEMA_NAME, true));
    const format = readCString(memory, view.getUint32(childSchema + SCHEMA_FORMAT, true));
    columns.push(copyPrimitive(memory, view, childArray, format, name, pool));
  }
  return { rows, columns };
}

function copyPrimitive(memory: ArrayBuffer, view: DataView, address: number, format: string, name: string, pool: BufferPool | undefined): CColumn {
  const info = formatInfo(format);
  if (info === undefined) {
    throw new MlopsError('SCHEMA_MISMATCH', `Column "${name}" has Arrow C format "${format}"; only numeric and timestamp columns can be copied this way`, {
      details: { column: name, format },
    });
  }
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
  if (nullCount > 0 && validityAddress !== 0) return { name, format, values, validity: copyBitmap(new Uint8Array(memory), validityAddress, offset, length), nullCount };
  return { name, format, values, nullCount: 0 };
}

/** Timestamps are 64-bit integers whatever their unit and zone. */
function formatInfo(format: string): FormatInfo | undefined {
  return format.startsWith('ts') && /^ts[smun]:/.test(format) ? FORMATS.l : FORMATS[format];
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
