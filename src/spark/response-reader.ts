import { fromBinary } from '@bufbuild/protobuf';
import { ExecutePlanResponseSchema, type ExecutePlanResponse } from './gen/spark/connect/base_pb.js';

/** ExecutePlanResponse field numbers read by hand (spark/connect/base.proto). */
const SESSION_ID = 1;
const ARROW_BATCH = 2;
const OPERATION_ID = 12;
const RESPONSE_ID = 13;
const SERVER_SIDE_SESSION_ID = 15;
/** ExecutePlanResponse.ArrowBatch field numbers. */
const ROW_COUNT = 1;
const DATA = 2;
const START_OFFSET = 3;
const CHUNK_INDEX = 4;
const NUM_CHUNKS_IN_BATCH = 5;

/** The largest id string read by hand; anything longer goes to the generated decoder. */
const MAX_ID_BYTES = 256;

/**
 * Reads the serialized ExecutePlanResponses of one operation. The responses that carry the result —
 * an ArrowBatch plus the session, operation and response ids, the only fields Spark sends with a
 * batch — are read by hand in one pass over the bytes: `data` stays a view of the message (no copy),
 * and the ids that repeat in every response (session, server-side session, operation) are decoded
 * once and reused while their bytes are the same. Every other response, and any ArrowBatch response
 * with a field, wire type, repeated field, non-ASCII id or 64-bit value this reader does not handle,
 * goes to the generated decoder (protobuf-es), so the result is always what `fromBinary` gives.
 */
export class ExecutePlanResponseReader {
  readonly #ids = new Map<number, { bytes: Uint8Array; text: string }>();

  read(bytes: Uint8Array): ExecutePlanResponse {
    return this.readArrowBatch(bytes) ?? fromBinary(ExecutePlanResponseSchema, bytes);
  }

  /** The response when it is an ArrowBatch response made only of the fields read by hand, else undefined. */
  readArrowBatch(buf: Uint8Array): ExecutePlanResponse | undefined {
    const end = buf.byteLength;
    let pos = 0;
    let seen = 0; // one bit per field number seen: a repeated field is left to the generated decoder
    let sessionId = '';
    let serverSideSessionId = '';
    let operationId = '';
    let responseId = '';
    let batch: ExecutePlanResponse_ArrowBatchShape | undefined;
    while (pos < end) {
      // Tags of the fields read here fit in one byte (field ≤ 15).
      const tag = buf[pos++]!;
      if (tag >= 0x80 || (tag & 7) !== 2) return undefined;
      const field = tag >>> 3;
      if ((seen & (1 << field)) !== 0) return undefined;
      seen |= 1 << field;
      const length = readLength(buf, pos, end);
      if (length === undefined) return undefined;
      pos = length.next;
      const start = pos;
      pos += length.value;
      if (pos > end) return undefined;
      switch (field) {
        case SESSION_ID:
        case OPERATION_ID:
        case RESPONSE_ID:
        case SERVER_SIDE_SESSION_ID: {
          const text = this.#id(field, buf, start, pos);
          if (text === undefined) return undefined;
          if (field === SESSION_ID) sessionId = text;
          else if (field === OPERATION_ID) operationId = text;
          else if (field === RESPONSE_ID) responseId = text;
          else serverSideSessionId = text;
          break;
        }
        case ARROW_BATCH:
          batch = readBatch(buf, start, pos);
          if (batch === undefined) return undefined;
          break;
        default:
          return undefined;
      }
    }
    if (batch === undefined) return undefined;
    return {
      $typeName: 'spark.connect.ExecutePlanResponse',
      sessionId,
      serverSideSessionId,
      operationId,
      responseId,
      responseType: { case: 'arrowBatch', value: batch },
      observedMetrics: [],
    };
  }

  /** An ASCII id string, reusing the last decoded text of the same field while its bytes repeat. */
  #id(field: number, buf: Uint8Array, start: number, end: number): string | undefined {
    const length = end - start;
    if (length > MAX_ID_BYTES) return undefined;
    const known = this.#ids.get(field);
    if (known !== undefined && known.bytes.byteLength === length) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (known.bytes[i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return known.text;
    }
    let text = '';
    for (let i = start; i < end; i++) {
      const byte = buf[i]!;
      if (byte >= 0x80) return undefined; // UTF-8 beyond ASCII: the generated decoder's rules apply
      text += String.fromCharCode(byte);
    }
    this.#ids.set(field, { bytes: buf.slice(start, end), text });
    return text;
  }
}

type ExecutePlanResponse_ArrowBatchShape = Extract<ExecutePlanResponse['responseType'], { case: 'arrowBatch' }>['value'];

/** An ArrowBatch message in buf[start, end), or undefined when it has anything not read by hand. */
function readBatch(buf: Uint8Array, start: number, end: number): ExecutePlanResponse_ArrowBatchShape | undefined {
  let pos = start;
  let seen = 0;
  let rowCount = 0n;
  let data: Uint8Array = new Uint8Array(0);
  const batch: ExecutePlanResponse_ArrowBatchShape = { $typeName: 'spark.connect.ExecutePlanResponse.ArrowBatch', rowCount, data };
  while (pos < end) {
    const tag = buf[pos++]!;
    if (tag >= 0x80) return undefined;
    const field = tag >>> 3;
    if ((seen & (1 << field)) !== 0) return undefined;
    seen |= 1 << field;
    const value = readLength(buf, pos, end);
    if (value === undefined) return undefined;
    pos = value.next;
    if (field === DATA) {
      if ((tag & 7) !== 2 || pos + value.value > end) return undefined;
      data = buf.subarray(pos, pos + value.value);
      pos += value.value;
    } else if ((tag & 7) === 0 && (field === ROW_COUNT || field === START_OFFSET || field === CHUNK_INDEX || field === NUM_CHUNKS_IN_BATCH)) {
      const n = BigInt(value.value);
      if (field === ROW_COUNT) rowCount = n;
      else if (field === START_OFFSET) batch.startOffset = n;
      else if (field === CHUNK_INDEX) batch.chunkIndex = n;
      else batch.numChunksInBatch = n;
    } else return undefined;
  }
  batch.rowCount = rowCount;
  batch.data = data;
  return batch;
}

/**
 * A varint at buf[pos] (a length, or a non-negative int64 below 2^49 — seven bytes), and the
 * position after it; undefined when it is longer (negative or huge values: left to the generated
 * decoder) or runs past `end`.
 */
function readLength(buf: Uint8Array, pos: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let shift = 0; shift < 49; shift += 7) {
    if (pos >= end) return undefined;
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return { value, next: pos };
  }
  return undefined;
}
