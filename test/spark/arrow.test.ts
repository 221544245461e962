import { DataType, RecordBatch, Table, tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ArrowBatchDecoder, decodeArrowBatch, encodeArrowStream } from '../../src/spark/arrow.js';

describe('Arrow payloads', () => {
  it('sends dictionary-encoded strings decoded (Spark would read the indices) and round-trips values', () => {
    const table = tableFromArrays({ id: Int32Array.from([1, 2, 3]), name: ['a', 'b', 'a'] });
    expect(DataType.isDictionary(table.schema.fields[1]!.type)).toBe(true);
    const decoded = tableFromIPC(encodeArrowStream(table));
    expect(DataType.isUtf8(decoded.schema.fields[1]!.type)).toBe(true);
    expect(decoded.toArray().map((row) => row.toJSON())).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'a' }]);
  });

  it('decodes a server batch, and names where a corrupt one came from', () => {
    const batches = decodeArrowBatch(encodeArrowStream(tableFromArrays({ x: Float64Array.from([0.5]) })), 'sc://h:1');
    expect(batches.map((b) => b.numRows)).toEqual([1]);
    expect(() => decodeArrowBatch(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'sc://h:1')).toThrow(/sc:\/\/h:1: an Arrow batch/);
  });

  /** The payload at byte offset `shift` of a bigger buffer, as a protobuf message would hold it. */
  const at = (payload: Uint8Array, shift: number): Uint8Array => {
    const buffer = new Uint8Array(payload.byteLength + shift);
    buffer.set(payload, shift);
    return buffer.subarray(shift);
  };
  const rows = (batches: RecordBatch[]): unknown[] => new Table(batches).toArray().map((row) => row.toJSON());

  it('decodes a result of several payloads with one decoder, at aligned and unaligned offsets alike', () => {
    const decoder = new ArrowBatchDecoder('sc://h:1');
    const payload = (from: number): Uint8Array =>
      encodeArrowStream(tableFromArrays({ id: BigInt64Array.from([BigInt(from), BigInt(from + 1)]), x: Float64Array.from([from / 2, (from + 1) / 2]) }));
    const batches = [0, 1, 3, 8].flatMap((shift, i) => decoder.decode(at(payload(2 * i), shift)));
    expect(rows(batches)).toEqual(Array.from({ length: 8 }, (_, i) => ({ id: BigInt(i), x: i / 2 })));
    expect(batches.map((b) => b.schema.fields.map((f) => String(f.type)))).toEqual(Array(4).fill(['Int64', 'Float64']));
  });

  it('follows a schema that changes between payloads, and reads several batches of one payload', () => {
    const decoder = new ArrowBatchDecoder('sc://h:1');
    const first = decoder.decode(at(encodeArrowStream(tableFromArrays({ a: Int32Array.from([7]) })), 1));
    const twoBatches = new Table([...tableFromArrays({ b: Float64Array.from([1.5]) }).batches, ...tableFromArrays({ b: Float64Array.from([2.5, 3.5]) }).batches]);
    const second = decoder.decode(at(tableToIPC(twoBatches, 'stream'), 3));
    expect(first.map((b) => b.schema.fields.map((f) => f.name))).toEqual([['a']]);
    expect(second.map((b) => b.numRows)).toEqual([1, 2]);
    expect(rows(second)).toEqual([{ b: 1.5 }, { b: 2.5 }, { b: 3.5 }]);
  });

  it('keeps the schema of an empty result, and decodes dictionary columns through the general reader', () => {
    const decoder = new ArrowBatchDecoder('sc://h:1');
    const empty = decoder.decode(at(tableToIPC(new Table(tableFromArrays({ z: Float64Array.from([]) }).schema), 'stream'), 5));
    expect(empty.map((b) => [b.numRows, b.schema.fields[0]!.name])).toEqual([[0, 'z']]);
    const dictionary = decoder.decode(at(tableToIPC(tableFromArrays({ s: ['u', 'v', 'u'] }), 'stream'), 2));
    expect(rows(dictionary)).toEqual([{ s: 'u' }, { s: 'v' }, { s: 'u' }]);
    expect(() => decoder.decode(at(encodeArrowStream(tableFromArrays({ a: Int32Array.from([7]) })), 1).subarray(0, 60))).toThrow(/sc:\/\/h:1: an Arrow batch/);
  });
});
