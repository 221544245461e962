import { Bool, DataType, Field, Message, Float64, Int64, List, RecordBatch, RecordBatchReader, Struct, Table, TimestampMicrosecond, Utf8, tableFromArrays, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it, vi } from 'vitest';
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

  it('builds batches with the same header as the previous one over the new body, equal to apache-arrow\'s own reader (nulls, strings, lists, structs, timestamps)', () => {
    // Payloads of equal row counts have byte-identical record batch headers (Spark's full batches):
    // the decoder reuses the layout of the first; the last, shorter payload has a header of its own.
    const payload = (from: number, n: number): Uint8Array => {
      const ids = Array.from({ length: n }, (_, i) => from + i);
      const columns = {
        // Nulls and lengths repeat every 6 rows, so full payloads have byte-identical headers.
        id: vectorFromArray(ids.map((i) => (i % 6 === 3 ? null : BigInt(i))), new Int64()),
        x: vectorFromArray(ids.map((i) => i / 4), new Float64()),
        s: vectorFromArray(ids.map((i) => (i % 6 === 1 ? null : `r${String(i).padStart(3, '0')}`.repeat(1 + (i % 3)))), new Utf8()),
        b: vectorFromArray(ids.map((i) => i % 2 === 0), new Bool()),
        l: vectorFromArray(ids.map((i) => (i % 6 === 0 ? null : Array.from({ length: i % 3 }, (_, k) => i * 10 + k))), new List(new Field('item', new Float64(), true))),
        t: vectorFromArray(ids.map((i) => 1_700_000_000_000 + i), new TimestampMicrosecond()),
        st: vectorFromArray(ids.map((i) => (i % 6 === 2 ? null : { a: i, c: `c${i}` })), new Struct([new Field('a', new Float64(), true), new Field('c', new Utf8(), true)])),
      };
      return tableToIPC(new Table(columns), 'stream');
    };
    const sizes = [6, 6, 6, 4];
    const payloads = sizes.map((n, i) => at(payload(i * 6, n), [1, 8, 0, 3][i]!));
    const decoder = new ArrowBatchDecoder('sc://h:1');
    const headers = vi.spyOn(Message, 'decode');
    const ours = payloads.flatMap((p) => decoder.decode(p));
    // The schema once, the first header, the last (shorter) one: payloads 2 and 3 reuse the first's layout.
    expect(headers).toHaveBeenCalledTimes(3);
    headers.mockRestore();
    const json = (batches: RecordBatch[]): string => JSON.stringify(rows(batches), (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    const reference = payloads.flatMap((p) => RecordBatchReader.from(p.slice()).readAll());
    expect(ours.map((b) => b.numRows)).toEqual(sizes);
    expect(json(ours)).toEqual(json(reference));
    expect(json(ours)).toContain('"l":[80,81]');
    expect(ours.map((b) => b.schema.fields.map((f) => [f.name, String(f.type), f.nullable]))).toEqual(reference.map((b) => b.schema.fields.map((f) => [f.name, String(f.type), f.nullable])));
    for (const [i, batch] of ours.entries()) {
      expect(batch).toBeInstanceOf(RecordBatch);
      expect(batch.nullCount).toBe(reference[i]!.nullCount);
      for (const name of ['id', 's', 'l', 'st']) expect(batch.getChild(name)!.nullCount).toBe(reference[i]!.getChild(name)!.nullCount);
      expect(json([batch.slice(1, 3)])).toEqual(json([reference[i]!.slice(1, 3)]));
    }
    // The first payload's body was unaligned (copied); the next, aligned ones are read in place.
    expect((ours[0]!.getChild('x')!.data[0]!.values as Float64Array).buffer).not.toBe(payloads[0]!.buffer);
    for (const i of [1, 2]) expect((ours[i]!.getChild('x')!.data[0]!.values as Float64Array).buffer).toBe(payloads[i]!.buffer);
    expect(new Table(ours).getChild('id')!.toArray()).toEqual(new Table(reference).getChild('id')!.toArray());
  });
});
