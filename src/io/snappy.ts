/**
 * Snappy compression (the raw block format Parquet's SNAPPY codec uses), in plain JavaScript so
 * that it runs inside worker threads without a native module. The algorithm follows the
 * reference implementation: 64 KiB blocks, a hash table of 4-byte sequences, and the
 * "skip faster through incompressible data" heuristic — which is what keeps random doubles cheap.
 * Format: https://github.com/google/snappy/blob/main/format_description.txt
 */

import { readUleb128 } from './uleb128.js';

const BLOCK_SIZE = 1 << 16;
const MAX_TABLE_BITS = 14;
/** Blocks shorter than this are emitted as one literal: too short for a match to pay off. */
const MIN_COMPRESSIBLE = 15;
/** Matches are searched only this far before a block's end, so 4-byte loads never run past it. */
const INPUT_MARGIN = 15;

// One table per thread, reused by every call: clearing 32 KiB beats allocating it per block.
const hashTable = new Uint16Array(1 << MAX_TABLE_BITS);

/** The most bytes `snappyCompress` can produce for `length` input bytes (snappy's own bound). */
export function snappyMaxCompressedLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

/**
 * Compresses `input` into `output` (allocated when not given) and returns the written prefix of
 * the output buffer. A given output must hold at least snappyMaxCompressedLength(input.length).
 */
export function snappyCompress(input: Uint8Array, output?: Uint8Array): Uint8Array {
  const bound = snappyMaxCompressedLength(input.length);
  const out = output ?? new Uint8Array(bound);
  if (out.length < bound) {
    throw new RangeError(`snappyCompress needs an output of at least ${bound} bytes for ${input.length} input bytes; got ${out.length}`);
  }
  let op = writeVarint(input.length, out, 0);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  for (let start = 0; start < input.length; start += BLOCK_SIZE) {
    op = compressBlock(input, view, start, Math.min(input.length, start + BLOCK_SIZE), out, op);
  }
  return out.subarray(0, op);
}

function writeVarint(value: number, out: Uint8Array, op: number): number {
  let rest = value;
  while (rest >= 0x80) {
    out[op++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[op++] = rest;
  return op;
}

// 4-byte loads are DataView.getInt32 calls written out in place: V8 compiles those to single
// loads, where assembling bytes (or calling a load32 helper, which it did not inline) measured
// 1.5–2× slower.
function compressBlock(input: Uint8Array, view: DataView, start: number, end: number, out: Uint8Array, op: number): number {
  const length = end - start;
  if (length < MIN_COMPRESSIBLE) return emitLiteral(input, start, end, out, op);
  let tableBits = 8;
  while (1 << tableBits < length && tableBits < MAX_TABLE_BITS) tableBits++;
  const shift = 32 - tableBits;
  const table = hashTable;
  table.fill(0, 0, 1 << tableBits);

  const inputLimit = end - INPUT_MARGIN;
  let nextEmit = start;
  let ip = start + 1;
  let nextHash = Math.imul(view.getInt32(ip, true), 0x1e35a7bd) >>> shift;

  for (;;) {
    // Look for a 4-byte match. After 32 misses the step grows by one byte every 32 probes,
    // so incompressible data is skipped quickly instead of being hashed at every position.
    let skip = 32;
    let nextIp = ip;
    let candidate = 0;
    let current = 0;
    do {
      ip = nextIp;
      const hash = nextHash;
      nextIp = ip + (skip++ >> 5);
      if (nextIp > inputLimit) return nextEmit < end ? emitLiteral(input, nextEmit, end, out, op) : op;
      nextHash = Math.imul(view.getInt32(nextIp, true), 0x1e35a7bd) >>> shift;
      candidate = start + table[hash]!;
      table[hash] = ip - start;
      current = view.getInt32(ip, true);
    } while (current !== view.getInt32(candidate, true));

    op = emitLiteral(input, nextEmit, ip, out, op);

    // Emit copies for as long as the byte right after a match starts another match.
    for (;;) {
      const matchStart = ip;
      // Extend the match past its first 4 bytes, 4 bytes at a time, then byte by byte.
      let a = candidate + 4;
      let b = ip + 4;
      for (;;) {
        if (b + 4 > end) {
          while (b < end && input[a] === input[b]) {
            a++;
            b++;
          }
          break;
        }
        const difference =
          view.getInt32(a, true) ^ view.getInt32(b, true);
        if (difference !== 0) {
          b += (31 - Math.clz32(difference & -difference)) >> 3;
          break;
        }
        a += 4;
        b += 4;
      }
      ip = b;
      op = emitCopy(matchStart - candidate, ip - matchStart, out, op);
      nextEmit = ip;
      if (ip >= inputLimit) return nextEmit < end ? emitLiteral(input, nextEmit, end, out, op) : op;
      const previous = ip - 1;
      table[Math.imul(view.getInt32(previous, true), 0x1e35a7bd) >>> shift] = previous - start;
      const here = view.getInt32(ip, true);
      const hash = Math.imul(here, 0x1e35a7bd) >>> shift;
      candidate = start + table[hash]!;
      table[hash] = ip - start;
      if (here !== view.getInt32(candidate, true)) {
        ip++;
        nextHash = Math.imul(view.getInt32(ip, true), 0x1e35a7bd) >>> shift;
        break;
      }
    }
  }
}

function emitLiteral(input: Uint8Array, from: number, to: number, out: Uint8Array, op: number): number {
  const length = to - from;
  const n = length - 1;
  if (n < 60) {
    out[op++] = n << 2;
  } else if (n < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else if (n < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  } else {
    out[op++] = 62 << 2;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = n >>> 16;
  }
  if (length < 32) {
    for (let i = 0; i < length; i++) out[op + i] = input[from + i]!;
  } else {
    out.set(input.subarray(from, to), op);
  }
  return op + length;
}

function emitCopy(offset: number, length: number, out: Uint8Array, op: number): number {
  let rest = length;
  // Long matches become 64-byte copies; keep at least 4 bytes for the last one.
  while (rest >= 68) {
    op = emitCopy2(offset, 64, out, op);
    rest -= 64;
  }
  if (rest > 64) {
    op = emitCopy2(offset, 60, out, op);
    rest -= 60;
  }
  if (rest < 12 && offset < 2048) {
    out[op++] = 1 | ((rest - 4) << 2) | ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
    return op;
  }
  return emitCopy2(offset, rest, out, op);
}

function emitCopy2(offset: number, length: number, out: Uint8Array, op: number): number {
  out[op++] = 2 | ((length - 1) << 2);
  out[op++] = offset & 0xff;
  out[op++] = offset >>> 8;
  return op;
}

/**
 * Decompresses a raw snappy block of `expectedLength` bytes (Parquet's page header says how long
 * the page is). Throws a RangeError on input that does not decode to exactly that length.
 */
export function snappyUncompress(input: Uint8Array, expectedLength: number): Uint8Array {
  const header = readUleb128(input, 0);
  const length = header.value;
  let ip = header.next;
  if (length !== expectedLength) throw new RangeError(`snappy: the block holds ${length} bytes, the page header says ${expectedLength}`);
  const out = new Uint8Array(length);
  let op = 0;
  while (ip < input.length) {
    const tag = input[ip++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let literal = tag >> 2;
      if (literal >= 60) {
        const bytes = literal - 59;
        if (ip + bytes > input.length) throw new RangeError('snappy: truncated literal length');
        literal = 0;
        for (let i = 0; i < bytes; i++) literal += input[ip++]! * 2 ** (8 * i);
      }
      literal += 1;
      if (ip + literal > input.length || op + literal > length) throw new RangeError('snappy: literal runs past the end');
      out.set(input.subarray(ip, ip + literal), op);
      ip += literal;
      op += literal;
      continue;
    }
    let copyLength: number;
    let offset: number;
    if (kind === 1) {
      if (ip >= input.length) throw new RangeError('snappy: truncated copy');
      copyLength = ((tag >> 2) & 7) + 4;
      offset = ((tag >> 5) << 8) | input[ip++]!;
    } else {
      const bytes = kind === 2 ? 2 : 4;
      if (ip + bytes > input.length) throw new RangeError('snappy: truncated copy');
      copyLength = (tag >> 2) + 1;
      offset = 0;
      for (let i = 0; i < bytes; i++) offset += input[ip++]! * 2 ** (8 * i);
    }
    if (offset === 0 || offset > op || op + copyLength > length) throw new RangeError('snappy: copy outside the output');
    // Byte by byte: a copy may overlap what it writes (offset < length repeats a pattern).
    for (let i = 0; i < copyLength; i++, op++) out[op] = out[op - offset]!;
  }
  if (op !== length) throw new RangeError(`snappy: decoded ${op} of ${length} bytes`);
  return out;
}
