import { MlopsError } from '../errors.js';
import { checkParquetMagic } from './parquet-magic.js';

/**
 * The rows of each row group of a Parquet file held in memory, read from its footer (Thrift's
 * compact protocol: FileMetaData field 3 is num_rows, field 4 the list of RowGroups, whose field
 * 3 is num_rows). Only those numbers are decoded, and must add up; every other field is skipped by
 * its type. Fails with CORRUPT,
 * naming `name`, on bytes that are not a whole Parquet footer.
 */
export function parquetRowGroupRows(bytes: Uint8Array, name: string): number[] {
  checkParquetMagic(bytes.subarray(0, 4), bytes.subarray(Math.max(0, bytes.byteLength - 4)), bytes.byteLength, name);
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset + bytes.byteLength - 8, 4).getUint32(0, true);
  const start = bytes.byteLength - 8 - footerLength;
  if (start < 4) throw corrupt(name, `its footer length ${footerLength} does not fit in its ${bytes.byteLength} bytes`);
  const reader = new CompactReader(bytes.subarray(start, bytes.byteLength - 8), name);
  const rows: number[] = [];
  let total: number | undefined;
  reader.struct((field, type) => {
    if (field === 3 && type === I64) {
      total = reader.varint(true);
      return true;
    }
    if (field !== 4 || type !== LIST) return false;
    reader.list((elementType) => {
      if (elementType !== STRUCT) throw corrupt(name, 'its row groups are not structs');
      let groupRows: number | undefined;
      reader.struct((groupField, groupType) => {
        if (groupField !== 3 || groupType !== I64) return false;
        groupRows = reader.varint(true);
        return true;
      });
      if (groupRows === undefined || groupRows < 0) throw corrupt(name, `row group ${rows.length} has no row count`);
      rows.push(groupRows);
    });
    return true;
  });
  // Both are required fields of FileMetaData, and must agree.
  const sum = rows.reduce((a, b) => a + b, 0);
  if (total === undefined || total !== sum) throw corrupt(name, `its row count ${total ?? '(missing)'} is not the sum of its row groups' (${sum})`);
  return rows;
}

const BOOL_TRUE = 1;
const BOOL_FALSE = 2;
const BYTE = 3;
const I16 = 4;
const I32 = 5;
const I64 = 6;
const DOUBLE = 7;
const BINARY = 8;
const LIST = 9;
const SET = 10;
const MAP = 11;
const STRUCT = 12;
const UUID = 13;

class CompactReader {
  #at = 0;
  readonly #bytes: Uint8Array;
  readonly #name: string;

  constructor(bytes: Uint8Array, name: string) {
    this.#bytes = bytes;
    this.#name = name;
  }

  #byte(): number {
    if (this.#at >= this.#bytes.byteLength) throw corrupt(this.#name, 'its footer ends early');
    return this.#bytes[this.#at++]!;
  }

  /** An unsigned LEB128 varint (zigzag-decoded when `signed`), exact up to 2^53. */
  varint(signed = false): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (i >= 10) throw corrupt(this.#name, 'its footer has a varint longer than 10 bytes');
      const byte = this.#byte();
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) break;
    }
    if (!signed) return value;
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }

  /** Reads a struct's fields up to its stop byte: `onField` reads the ones it wants (returning true), the rest are skipped. */
  struct(onField: (field: number, type: number) => boolean): void {
    let field = 0;
    for (;;) {
      const header = this.#byte();
      if (header === 0) return;
      const type = header & 0x0f;
      const delta = header >> 4;
      field = delta === 0 ? this.varint(true) : field + delta;
      if (!onField(field, type)) this.skip(type);
    }
  }

  /** Calls `onElement` once per element; it must read the element. */
  list(onElement: (elementType: number) => void): void {
    const header = this.#byte();
    const size = header >> 4 === 15 ? this.varint() : header >> 4;
    for (let i = 0; i < size; i++) onElement(header & 0x0f);
  }

  skip(type: number): void {
    switch (type) {
      case BOOL_TRUE:
      case BOOL_FALSE:
        return;
      case BYTE:
        this.#advance(1);
        return;
      case I16:
      case I32:
      case I64:
        this.varint();
        return;
      case DOUBLE:
        this.#advance(8);
        return;
      case UUID:
        this.#advance(16);
        return;
      case BINARY:
        this.#advance(this.varint());
        return;
      case LIST:
      case SET:
        this.list((elementType) => this.#skipElement(elementType));
        return;
      case MAP: {
        const size = this.varint();
        if (size === 0) return;
        const types = this.#byte();
        for (let i = 0; i < size; i++) {
          this.#skipElement(types >> 4);
          this.#skipElement(types & 0x0f);
        }
        return;
      }
      case STRUCT:
        this.struct(() => false);
        return;
      default:
        throw corrupt(this.#name, `its footer has a field of unknown type ${type}`);
    }
  }

  /** A list's or map's element: booleans there are one byte each, not folded into a field header. */
  #skipElement(type: number): void {
    if (type === BOOL_TRUE || type === BOOL_FALSE) this.#advance(1);
    else this.skip(type);
  }

  #advance(count: number): void {
    if (this.#at + count > this.#bytes.byteLength) throw corrupt(this.#name, 'its footer ends early');
    this.#at += count;
  }
}

function corrupt(name: string, why: string): MlopsError {
  return new MlopsError('CORRUPT', `Cannot read the footer of Parquet file ${name}: ${why}`, { details: { source: name } });
}
