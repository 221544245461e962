import * as arrow from 'apache-arrow';
import { MlopsError } from '../errors.js';
import type { ParquetColumnSpec, ParquetColumnValues } from './parquet-encode.js';

/**
 * Between Arrow JS record batches and the worker-side Parquet encoder: the Parquet column of each
 * Arrow field, and each batch as plain typed arrays that can be posted (or transferred) to a worker.
 */

/** The Parquet columns for an Arrow schema; unsupported types fail naming the column. */
export function parquetColumnSpecs(schema: arrow.Schema): ParquetColumnSpec[] {
  return schema.fields.map((field) => {
    const kind = kindOf(field.type);
    if (kind === undefined) {
      throw new MlopsError('INVALID_ARGUMENT', `Column "${field.name}" has Arrow type ${String(field.type)}, which the streaming Parquet writer does not write; supported: Float64, Float32, Int8–Int32, Uint8/Uint16, Int64, Timestamp[ms|us], Utf8, Dictionary<Utf8>`, {
        details: { column: field.name, type: String(field.type) },
      });
    }
    const spec: ParquetColumnSpec = { name: field.name, kind, nullable: field.nullable };
    if (arrow.DataType.isTimestamp(field.type)) spec.utc = field.type.timezone !== null && field.type.timezone !== undefined;
    return spec;
  });
}

/** True when the streaming writer (ParquetStreamWriter) writes every column of the schema. */
export function streamWriterWrites(schema: arrow.Schema): boolean {
  return schema.fields.every((field) => kindOf(field.type) !== undefined);
}

function kindOf(type: arrow.DataType): ParquetColumnSpec['kind'] | undefined {
  if (arrow.DataType.isFloat(type)) {
    if (type.precision === arrow.Precision.DOUBLE) return 'double';
    if (type.precision === arrow.Precision.SINGLE) return 'float';
    return undefined;
  }
  if (arrow.DataType.isInt(type)) {
    if (type.bitWidth === 64) return type.isSigned ? 'int64' : undefined;
    if (type.bitWidth === 32) return type.isSigned ? 'int32' : undefined;
    return 'int32';
  }
  if (arrow.DataType.isTimestamp(type)) {
    if (type.unit === arrow.TimeUnit.MILLISECOND) return 'timestamp-millis';
    if (type.unit === arrow.TimeUnit.MICROSECOND) return 'timestamp-micros';
    return undefined;
  }
  if (arrow.DataType.isUtf8(type)) return 'string';
  if (arrow.DataType.isDictionary(type) && arrow.DataType.isUtf8(type.dictionary)) return 'string';
  return undefined;
}

export interface BatchColumns {
  columns: ParquetColumnValues[];
  /** The buffers that may be transferred (not copied) to a worker: those the batch owns alone. */
  transferable: ArrayBuffer[];
}

/**
 * A record batch's columns as plain typed arrays in the specs' order. (Arrow JS slices values and
 * value offsets along with a Data, but not its validity bitmap, which `offset` still indexes.) Nothing is copied unless a
 * column must be realigned (a sliced batch) or widened (8/16-bit integers). Dictionaries are never
 * listed as transferable: one dictionary is usually shared by many batches.
 */
export function batchColumns(batch: arrow.RecordBatch, specs: readonly ParquetColumnSpec[]): BatchColumns {
  const transferable = new Set<ArrayBuffer>();
  const columns = specs.map((spec): ParquetColumnValues => {
    const vector = batch.getChild(spec.name);
    if (vector === null) {
      throw new MlopsError('SCHEMA_MISMATCH', `The record batch has no column "${spec.name}" (it has ${batch.schema.fields.map((f) => f.name).join(', ')})`, {
        details: { column: spec.name },
      });
    }
    if (vector.data.length !== 1) throw new MlopsError('INTERNAL', `Column "${spec.name}" of a record batch has ${vector.data.length} chunks; expected 1`);
    const data = vector.data[0]!;
    if (!spec.nullable && data.nullCount > 0) {
      throw new MlopsError('SCHEMA_MISMATCH', `Column "${spec.name}" is declared non-nullable but the batch has ${data.nullCount} null value(s)`, {
        details: { column: spec.name, nulls: data.nullCount },
      });
    }
    const validity = data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0 ? realignBitmap(data.nullBitmap, data.offset, data.length) : undefined;
    if (validity !== undefined) addOwned(transferable, validity);

    if (arrow.DataType.isDictionary(data.type)) {
      const dictionary = data.dictionary?.data[0];
      if (dictionary === undefined || data.dictionary?.data.length !== 1) {
        throw new MlopsError('INTERNAL', `Dictionary column "${spec.name}" must have exactly one dictionary chunk`);
      }
      const indices = toInt32(data.values as ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, data.length);
      addOwned(transferable, indices);
      return { layout: 'dictionary', indices, dictionary: { offsets: utf8Offsets(dictionary), data: dictionary.values as Uint8Array }, ...(validity ? { validity } : {}) };
    }
    if (spec.kind === 'string') {
      const offsets = (data.valueOffsets as Int32Array).subarray(0, data.length + 1);
      return { layout: 'utf8', offsets, data: data.values as Uint8Array, ...(validity ? { validity } : {}) };
    }
    let values = data.values as Float64Array | Float32Array | Int32Array | BigInt64Array | Int8Array | Int16Array | Uint8Array | Uint16Array;
    if (values instanceof Int8Array || values instanceof Int16Array || values instanceof Uint8Array || values instanceof Uint16Array) {
      values = Int32Array.from(values.subarray(0, data.length));
    } else {
      values = values.subarray(0, data.length);
    }
    addOwned(transferable, values);
    return { layout: 'fixed', values, ...(validity ? { validity } : {}) };
  });
  return { columns, transferable: [...transferable] };
}

function addOwned(set: Set<ArrayBuffer>, array: ArrayBufferView): void {
  if (array.buffer instanceof ArrayBuffer) set.add(array.buffer);
}

function utf8Offsets(data: arrow.Data): Int32Array {
  return (data.valueOffsets as Int32Array).subarray(0, data.length + 1);
}

function toInt32(values: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, length: number): Int32Array {
  const slice = values.subarray(0, length);
  return slice instanceof Int32Array ? slice : Int32Array.from(slice);
}

function realignBitmap(bitmap: Uint8Array, offset: number, length: number): Uint8Array {
  if (offset === 0) return bitmap.subarray(0, Math.ceil(length / 8));
  const out = new Uint8Array(Math.ceil(length / 8));
  for (let i = 0; i < length; i++) {
    const bit = offset + i;
    if ((bitmap[bit >> 3]! >> (bit & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}
