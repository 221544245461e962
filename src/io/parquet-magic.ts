import { MlopsError } from '../errors.js';

/** A Parquet file starts and ends with these four bytes ("PAR1"); the footer sits just before the end. */
const MAGIC = [0x50, 0x41, 0x52, 0x31] as const;
/** Leading magic, trailing 4-byte footer length and magic: nothing smaller can be Parquet. */
export const PARQUET_MIN_BYTES = 12;

function isMagic(bytes: Uint8Array): boolean {
  return bytes.byteLength === 4 && MAGIC.every((byte, i) => bytes[i] === byte);
}

function shown(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ') || 'nothing';
}

/**
 * Refuses a file whose first or last four bytes are not Parquet's magic. Readers that go straight to
 * the footer never look at the start, so a file with a damaged head but an intact footer used to be
 * read as if whole.
 */
export function checkParquetMagic(head: Uint8Array, tail: Uint8Array, size: number, name: string): void {
  if (size < PARQUET_MIN_BYTES) {
    throw new MlopsError('CORRUPT', `${name} is not a Parquet file: it has ${size} bytes, fewer than the ${PARQUET_MIN_BYTES} of an empty one`, { details: { source: name, bytes: size } });
  }
  for (const [where, bytes] of [['start', head], ['end', tail]] as const) {
    if (!isMagic(bytes)) {
      throw new MlopsError('CORRUPT', `${name} is not a Parquet file: expected the magic bytes 50 41 52 31 ("PAR1") at its ${where}, found ${shown(bytes)}`, {
        details: { source: name, bytes: size, where },
      });
    }
  }
}
