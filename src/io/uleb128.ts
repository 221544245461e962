/**
 * An unsigned LEB128 varint at `at` (as snappy's length header and Parquet's hybrid run headers
 * write them), exact to 2^53. Throws a RangeError if it runs past the end or past 10 bytes.
 */
export function readUleb128(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let position = at; position < bytes.length && position < at + 10; position++) {
    const byte = bytes[position]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: position + 1 };
    scale *= 0x80;
  }
  throw new RangeError(`unterminated varint at byte ${at}`);
}
