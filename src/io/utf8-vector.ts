import { makeData, makeVector, Utf8, type Vector } from 'apache-arrow';

const utf8Encoder = new TextEncoder();

/**
 * Strings without nulls (the dictionaries of scoring's output and of ingested string columns) as a Utf8
 * vector, built directly: what `vectorFromArray(values, new Utf8())` gives, without Arrow's
 * builders, whose first use in a process costs ~3 ms of cold code on the first batch's path.
 */
export function utf8Vector(values: readonly string[]): Vector<Utf8> {
  const encoded = values.map((value) => utf8Encoder.encode(value));
  const offsets = new Int32Array(values.length + 1);
  encoded.forEach((bytes, index) => (offsets[index + 1] = offsets[index]! + bytes.length));
  const bytes = new Uint8Array(offsets[values.length]!);
  encoded.forEach((entry, index) => bytes.set(entry, offsets[index]!));
  return makeVector(makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets: offsets, data: bytes }));
}
