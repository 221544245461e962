/**
 * Array helpers that never spread a collection into call arguments. `target.push(...items)`,
 * `Math.max(...values)` and `String.fromCharCode(...bytes)` put every element on the stack: with
 * ~120,000 or more elements (less in a deep call) they throw "Maximum call stack size exceeded".
 */

/** Appends every item to target, in order; returns target. */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The largest value, or `initial` when there is none larger (-Infinity by default, as Math.max()). */
export function maxOf(values: Iterable<number>, initial = -Infinity): number {
  let max = initial;
  for (const value of values) {
    if (Number.isNaN(value)) return NaN;
    if (value > max) max = value;
  }
  return max;
}

/** The smallest value, or `initial` when there is none smaller (Infinity by default, as Math.min()). */
export function minOf(values: Iterable<number>, initial = Infinity): number {
  let min = initial;
  for (const value of values) {
    if (Number.isNaN(value)) return NaN;
    if (value < min) min = value;
  }
  return min;
}

/** Bytes as a latin1 string (one character per byte), at any length. */
export function latin1String(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
