import { snappyUncompress } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { snappyCompress, snappyMaxCompressedLength } from '../../src/io/snappy.js';

/** Decompressed by hyparquet's snappy, a decoder independent of ours. */
function roundTrip(input: Uint8Array): Uint8Array {
  const compressed = snappyCompress(input);
  expect(compressed.length).toBeLessThanOrEqual(snappyMaxCompressedLength(input.length));
  const output = new Uint8Array(input.length);
  snappyUncompress(compressed, output);
  expect(Buffer.from(output).equals(Buffer.from(input))).toBe(true);
  return compressed;
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('snappyCompress', () => {
  it('round-trips empty and tiny inputs (a literal only)', () => {
    for (const length of [0, 1, 3, 14, 15, 16, 17]) roundTrip(Uint8Array.from({ length }, (_, i) => (i * 7) & 0xff));
  });

  it('compresses repetitive data well: a constant 1 MiB becomes a few KiB of copies', () => {
    const compressed = roundTrip(new Uint8Array(1 << 20).fill(42));
    expect(compressed.length).toBeLessThan(60_000);
  });

  it('round-trips incompressible random bytes across many 64 KiB blocks without growing past the bound', () => {
    const random = seeded(1);
    const input = Uint8Array.from({ length: 300_000 }, () => Math.floor(random() * 256));
    const compressed = roundTrip(input);
    expect(compressed.length).toBeGreaterThan(input.length);
  });

  it('round-trips the data batch scoring writes: Iris-like doubles, float32 probabilities, constant timestamps', () => {
    const random = seeded(2);
    const features = Float64Array.from({ length: 100_000 }, () => Math.round(random() * 80) / 10);
    const probabilities = Float64Array.from({ length: 100_000 }, () => Math.fround(random()));
    const stamps = new BigInt64Array(100_000).fill(1_750_000_000_123n);
    expect(roundTrip(new Uint8Array(features.buffer)).length).toBeLessThan(features.byteLength / 2);
    roundTrip(new Uint8Array(probabilities.buffer));
    expect(roundTrip(new Uint8Array(stamps.buffer)).length).toBeLessThan(stamps.byteLength / 10);
  });

  it('round-trips matches of every length and offset: text with long and short repeats', () => {
    const random = seeded(3);
    const words = ['setosa', 'versicolor', 'virginica', 'a', 'bb', 'x'.repeat(70), 'y'.repeat(200)];
    const text = Array.from({ length: 20_000 }, () => words[Math.floor(random() * words.length)]).join(' ');
    roundTrip(new TextEncoder().encode(text));
  });

  it('writes into a given buffer, and refuses one that is too small', () => {
    const input = new Uint8Array(1000).fill(1);
    const buffer = new Uint8Array(snappyMaxCompressedLength(1000));
    const compressed = snappyCompress(input, buffer);
    expect(compressed.buffer).toBe(buffer.buffer);
    expect(() => snappyCompress(input, new Uint8Array(10))).toThrow(/at least \d+ bytes/);
  });
});
