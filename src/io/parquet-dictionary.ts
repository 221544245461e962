/**
 * Dictionary encoding of fixed-width values (doubles, floats, 32- and 64-bit integers, timestamps)
 * for the Parquet encoder. Like parquet-mr, Arrow and DuckDB, the writer tries a dictionary for
 * every column and falls back to PLAIN once a column chunk has too many distinct values. For the
 * columns batch scoring writes this is also the fast path: one-decimal features (a few dozen
 * distinct values) and a constant scored_at become a few bits per row, which costs far less than
 * running snappy over their 8-byte values and compresses them further.
 * Values are compared by their bits: -0 and 0 are different entries, as are NaNs with different
 * payloads, so every value is written back exactly.
 */

export interface FixedDictionary {
  /** The distinct values in order of first appearance, as PLAIN bytes: the dictionary page's body. */
  values: Uint8Array;
  /** How many distinct values. */
  size: number;
  /** For each non-null value in row order, its index in `values`. Valid until the next call on this thread. */
  indices: Int32Array;
  /** Non-null values indexed. */
  count: number;
}

/** Above this many distinct values a column chunk is written PLAIN (indices would need more than 12 bits). */
export const MAX_FIXED_DICTIONARY_SIZE = 4096;

const TABLE_SLOTS = 2 * MAX_FIXED_DICTIONARY_SIZE;
const EMPTY = -1;

// Per thread, reused between column chunks: the hash table (entry index and key per slot) and the index buffer.
const slots = new Int32Array(TABLE_SLOTS);
const slotLow = new Uint32Array(TABLE_SLOTS);
const slotHigh = new Uint32Array(TABLE_SLOTS);
let indexScratch = new Int32Array(1 << 16);

/**
 * Builds the dictionary of `values` (only rows set in `validity`, when given), or returns undefined
 * when it would have more than `maxSize` entries or take more bytes than the plain values.
 * Stops at the first value past `maxSize`: a high-cardinality column costs only that many look-ups.
 */
export function buildFixedDictionary(
  values: Float64Array | Float32Array | Int32Array | BigInt64Array,
  validity: Uint8Array | undefined,
  rows: number,
  maxSize = MAX_FIXED_DICTIONARY_SIZE,
): FixedDictionary | undefined {
  if (maxSize > MAX_FIXED_DICTIONARY_SIZE) throw new RangeError(`A fixed-width dictionary holds at most ${MAX_FIXED_DICTIONARY_SIZE} values; asked for ${maxSize}`);
  if (rows === 0) return undefined;
  if (indexScratch.length < rows) indexScratch = new Int32Array(rows);
  const width = values.BYTES_PER_ELEMENT;
  const words = new Uint32Array(values.buffer, values.byteOffset, (rows * width) / 4);
  slots.fill(EMPTY);
  const wide = width === 8;
  const result = indexValues(words, wide, validity, rows, maxSize);
  if (result === undefined) return undefined;
  const { pairs, size, count } = result;
  const bitWidth = Math.max(1, 32 - Math.clz32(size - 1));
  if (size * width + Math.ceil((count * bitWidth) / 8) >= count * width) return undefined;
  // Entries are kept as (low, high) pairs; 4-byte values are the low words alone.
  const dictionary = wide ? pairs.slice(0, 2 * size) : Uint32Array.from({ length: size }, (_, index) => pairs[2 * index]!);
  return { values: new Uint8Array(dictionary.buffer), size, indices: indexScratch, count };
}

/** Indexes every non-null value: 8-byte values as (low, high) word pairs, 4-byte values as a low word and a zero high word. */
function indexValues(words: Uint32Array, wide: boolean, validity: Uint8Array | undefined, rows: number, maxSize: number): { pairs: Uint32Array; size: number; count: number } | undefined {
  // Entries in order of first appearance; the table holds each entry's key beside its slot, so a
  // probe compares in place (measured 2–3 ns a value, against ~9 with keys looked up by index).
  const pairs = new Uint32Array(2 * maxSize);
  const indices = indexScratch;
  const mask = TABLE_SLOTS - 1;
  const stride = wide ? 2 : 1;
  let size = 0;
  let count = 0;
  for (let row = 0, at = 0; row < rows; row++, at += stride) {
    if (validity !== undefined && ((validity[row >> 3]! >> (row & 7)) & 1) === 0) continue;
    const low = words[at]!;
    const high = wide ? words[at + 1]! : 0;
    let slot = hash(low, high) & mask;
    let index: number;
    for (;;) {
      index = slots[slot]!;
      if (index === EMPTY) {
        if (size === maxSize) return undefined;
        index = size++;
        slots[slot] = index;
        slotLow[slot] = low;
        slotHigh[slot] = high;
        pairs[2 * index] = low;
        pairs[2 * index + 1] = high;
        break;
      }
      if (slotLow[slot] === low && slotHigh[slot] === high) break;
      slot = (slot + 1) & mask;
    }
    indices[count++] = index;
  }
  return size === 0 ? undefined : { pairs, size, count };
}

/** Mixes both words (a double's low word is all zeros for many round numbers) into well-spread low bits. */
function hash(low: number, high: number): number {
  const h = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
  return h ^ (h >>> 15);
}
