import { describe, expect, it } from 'vitest';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { ThriftCompactWriter, ThriftType } from '../../src/io/thrift-compact.js';

/** Decoded by hyparquet's Thrift reader, independent of our writer. */
function decode(bytes: Uint8Array): Record<string, unknown> {
  const copy = bytes.slice();
  return deserializeTCompactProtocol({ view: new DataView(copy.buffer), offset: 0 }) as Record<string, unknown>;
}

describe('ThriftCompactWriter', () => {
  it('writes fields that a compact-protocol reader decodes to the same values', () => {
    const w = new ThriftCompactWriter(4);
    w.i32(1, -5).i64(2, 2 ** 40 + 3).binary(3, 'héllo').bool(4, true).bool(5, false).i16(6, 300).i8(7, 200);
    w.struct(8).i32(1, 7).end();
    w.list(9, ThriftType.I32, 3).i32Element(0).i32Element(-1).i32Element(123456);
    w.list(10, ThriftType.BINARY, 2).binaryElement('a').binaryElement(new Uint8Array([1, 2]));
    // A jump of more than 15 field ids needs the long field header.
    w.i32(40, 9);
    w.end();
    const decoded = decode(w.finish());
    expect(decoded.field_1).toBe(-5);
    expect(decoded.field_2).toBe(BigInt(2 ** 40 + 3));
    expect(new TextDecoder().decode(decoded.field_3 as Uint8Array)).toBe('héllo');
    expect(decoded.field_4).toBe(true);
    expect(decoded.field_5).toBe(false);
    expect(decoded.field_6).toBe(300);
    expect(decoded.field_7).toBe(-56);
    expect(decoded.field_8).toEqual({ field_1: 7 });
    expect(decoded.field_9).toEqual([0, -1, 123456]);
    expect((decoded.field_10 as Uint8Array[]).map((b) => Array.from(b))).toEqual([[97], [1, 2]]);
    expect(decoded.field_40).toBe(9);
  });

  it('writes lists of 15 or more elements with the long list header, and lists of structs', () => {
    const w = new ThriftCompactWriter();
    w.list(1, ThriftType.I32, 20);
    for (let i = 0; i < 20; i++) w.i32Element(i * 1000);
    w.list(2, ThriftType.STRUCT, 2);
    w.beginElement().i32(1, 1).end();
    w.beginElement().binary(2, 'x').end();
    w.end();
    const decoded = decode(w.finish());
    expect(decoded.field_1).toEqual(Array.from({ length: 20 }, (_, i) => i * 1000));
    expect((decoded.field_2 as Record<string, unknown>[])[0]).toEqual({ field_1: 1 });
  });
});
