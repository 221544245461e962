/**
 * A writer for Thrift's compact protocol, the encoding of Parquet's page headers and footer.
 * Only what Parquet metadata uses: structs, lists, bool, i8/i16/i32/i64 and binary.
 * Spec: https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md
 */

import { readUleb128 } from './uleb128.js';

export const ThriftType = {
  BOOL_TRUE: 1,
  BOOL_FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  BINARY: 8,
  LIST: 9,
  STRUCT: 12,
} as const;
export type ThriftType = (typeof ThriftType)[keyof typeof ThriftType];

const encoder = new TextEncoder();

export class ThriftCompactWriter {
  #bytes: Uint8Array;
  #length = 0;
  /** The last field id of each open struct: field headers store the difference. */
  #lastFieldIds: number[] = [0];

  constructor(initialCapacity = 256) {
    this.#bytes = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.#length;
  }

  /** The bytes written so far (a view; copy it before writing more if it must be kept). */
  finish(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  i32(id: number, value: number): this {
    this.#fieldHeader(id, ThriftType.I32);
    this.#varint(zigzag(value));
    return this;
  }

  i16(id: number, value: number): this {
    this.#fieldHeader(id, ThriftType.I16);
    this.#varint(zigzag(value));
    return this;
  }

  /** A byte field (Parquet's i8 IntType.bitWidth). */
  i8(id: number, value: number): this {
    this.#fieldHeader(id, ThriftType.BYTE);
    this.#byte(value & 0xff);
    return this;
  }

  /** Exact for |value| ≤ 2^53, which covers every offset and count a JavaScript writer produces. */
  i64(id: number, value: number): this {
    this.#fieldHeader(id, ThriftType.I64);
    this.#varint(zigzag(value));
    return this;
  }

  bool(id: number, value: boolean): this {
    this.#fieldHeader(id, value ? ThriftType.BOOL_TRUE : ThriftType.BOOL_FALSE);
    return this;
  }

  binary(id: number, value: Uint8Array | string): this {
    this.#fieldHeader(id, ThriftType.BINARY);
    this.#binaryValue(value);
    return this;
  }

  /** Opens a struct field; close it with `end()`. */
  struct(id: number): this {
    this.#fieldHeader(id, ThriftType.STRUCT);
    this.#lastFieldIds.push(0);
    return this;
  }

  /** Opens a struct that is a list element (no field header); close it with `end()`. */
  beginElement(): this {
    this.#lastFieldIds.push(0);
    return this;
  }

  /** Writes the stop byte of the innermost open struct. */
  end(): this {
    this.#byte(0);
    this.#lastFieldIds.pop();
    return this;
  }

  /** Starts a list field of `count` elements; write the elements right after with the *Element methods. */
  list(id: number, elementType: ThriftType, count: number): this {
    this.#fieldHeader(id, ThriftType.LIST);
    if (count < 15) {
      this.#byte((count << 4) | elementType);
    } else {
      this.#byte(0xf0 | elementType);
      this.#varint(count);
    }
    return this;
  }

  i32Element(value: number): this {
    this.#varint(zigzag(value));
    return this;
  }

  binaryElement(value: Uint8Array | string): this {
    this.#binaryValue(value);
    return this;
  }

  #binaryValue(value: Uint8Array | string): void {
    const bytes = typeof value === 'string' ? encoder.encode(value) : value;
    this.#varint(bytes.length);
    this.#ensure(bytes.length);
    this.#bytes.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  #fieldHeader(id: number, type: ThriftType): void {
    const last = this.#lastFieldIds[this.#lastFieldIds.length - 1]!;
    const delta = id - last;
    if (delta > 0 && delta <= 15) {
      this.#byte((delta << 4) | type);
    } else {
      this.#byte(type);
      this.#varint(zigzag(id));
    }
    this.#lastFieldIds[this.#lastFieldIds.length - 1] = id;
  }

  #byte(value: number): void {
    this.#ensure(1);
    this.#bytes[this.#length++] = value;
  }

  /** Unsigned LEB128 of a non-negative integer up to 2^64 (as a float, exact to 2^53). */
  #varint(value: number): void {
    this.#ensure(10);
    let rest = value;
    while (rest >= 0x80) {
      this.#bytes[this.#length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.#bytes[this.#length++] = rest;
  }

  #ensure(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + extra));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }
}

/** Zigzag maps signed to unsigned (0, -1, 1, -2 → 0, 1, 2, 3), done in floats to stay exact past 2^31. */
function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** A decoded Thrift value: structs as field id → value maps, lists as arrays, i64 as a float (exact to 2^53). */
export type ThriftValue = boolean | number | Uint8Array | ThriftValue[] | ThriftStruct;
export type ThriftStruct = Map<number, ThriftValue>;

/**
 * A reader for the same protocol: any struct, decoded generically (field ids, not names), for
 * Parquet's footer and page headers. Throws a RangeError on bytes that end early or use a type
 * Parquet metadata never does.
 */
export class ThriftCompactReader {
  #position: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.#position = start;
  }

  /** Where the next read starts (after a `struct()`, the first byte after the struct). */
  get position(): number {
    return this.#position;
  }

  struct(): ThriftStruct {
    const fields: ThriftStruct = new Map();
    let lastId = 0;
    for (;;) {
      const header = this.#byte();
      if (header === 0) return fields;
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta === 0 ? unzigzag(this.#varint()) : lastId + delta;
      lastId = id;
      fields.set(id, this.#value(type));
    }
  }

  #value(type: number): ThriftValue {
    switch (type) {
      case ThriftType.BOOL_TRUE:
        return true;
      case ThriftType.BOOL_FALSE:
        return false;
      case ThriftType.BYTE:
        return (this.#byte() << 24) >> 24;
      case ThriftType.I16:
      case ThriftType.I32:
      case ThriftType.I64:
        return unzigzag(this.#varint());
      case 7: {
        // double
        const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.#take(8), 8);
        return view.getFloat64(0, true);
      }
      case ThriftType.BINARY: {
        const length = this.#varint();
        const start = this.#take(length);
        return this.bytes.subarray(start, start + length);
      }
      case ThriftType.LIST:
      case 10: {
        // list or set
        const header = this.#byte();
        const size = header >> 4 === 15 ? this.#varint() : header >> 4;
        const elementType = header & 0x0f;
        const values: ThriftValue[] = [];
        for (let i = 0; i < size; i++) values.push(elementType === ThriftType.BOOL_TRUE || elementType === ThriftType.BOOL_FALSE ? this.#byte() === 1 : this.#value(elementType));
        return values;
      }
      case ThriftType.STRUCT:
        return this.struct();
      default:
        throw new RangeError(`Thrift compact type ${type} at byte ${this.#position} is not one Parquet metadata uses`);
    }
  }

  #take(length: number): number {
    const start = this.#position;
    if (start + length > this.bytes.length) throw new RangeError(`Thrift data ends at byte ${this.bytes.length}, inside a value of ${length} bytes at byte ${start}`);
    this.#position += length;
    return start;
  }

  #byte(): number {
    return this.bytes[this.#take(1)]!;
  }

  #varint(): number {
    const { value, next } = readUleb128(this.bytes, this.#position);
    this.#position = next;
    return value;
  }
}

function unzigzag(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}
