import { describe, expect, it } from 'vitest';
import { readUleb128 } from '../../src/io/uleb128.js';

describe('readUleb128', () => {
  it('reads one- to eight-byte varints and says where the next value starts', () => {
    expect(readUleb128(Uint8Array.of(0x00), 0)).toEqual({ value: 0, next: 1 });
    expect(readUleb128(Uint8Array.of(0xff, 0x7f, 0xe5, 0x8e, 0x26), 0)).toEqual({ value: 16_383, next: 2 });
    expect(readUleb128(Uint8Array.of(0xff, 0x7f, 0xe5, 0x8e, 0x26), 2)).toEqual({ value: 624_485, next: 5 });
    // 2^53 - 1, the largest exact value.
    expect(readUleb128(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f), 0)).toEqual({ value: 2 ** 53 - 1, next: 8 });
  });

  it('throws a RangeError for a varint that runs past the bytes or past 10 bytes', () => {
    expect(() => readUleb128(Uint8Array.of(0x80, 0x80), 0)).toThrow(RangeError);
    expect(() => readUleb128(new Uint8Array(11).fill(0x80), 0)).toThrow(RangeError);
    expect(() => readUleb128(new Uint8Array(0), 0)).toThrow(RangeError);
  });
});
