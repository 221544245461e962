/**
 * Reuses large ArrayBuffers instead of allocating new ones for every record batch. Fresh memory is
 * what costs here: each new buffer is mapped and zero-filled page by page, and on the machine the
 * benchmarks run on that made allocation, not arithmetic, the largest cost of scoring (~5 ms per
 * 512 KiB buffer while others were alive). Buffers that travel to an encoding worker come back with
 * its reply and return to the pool, so a steady stream of batches allocates almost nothing.
 * A buffer from `take` holds whatever its last user left in it: callers overwrite all of it.
 */
export class BufferPool {
  readonly maxBytes: number;
  #free = new Map<number, ArrayBuffer[]>();
  #bytes = 0;

  /** Keeps at most `maxBytes` of idle buffers; more are dropped for the garbage collector. */
  constructor(maxBytes = 128 * 1024 * 1024) {
    this.maxBytes = maxBytes;
  }

  /** Idle bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** A buffer of exactly `byteLength` bytes (recycled when one is idle). */
  take(byteLength: number): ArrayBuffer {
    return this.takeIdle(byteLength) ?? new ArrayBuffer(byteLength);
  }

  /** An idle buffer of exactly `byteLength` bytes, or undefined when none is idle (never allocates). */
  takeIdle(byteLength: number): ArrayBuffer | undefined {
    const buffer = this.#free.get(byteLength)?.pop();
    if (buffer !== undefined) this.#bytes -= byteLength;
    return buffer;
  }

  /** Returns buffers for reuse; small, detached and shared buffers are ignored. */
  give(...buffers: ArrayBufferLike[]): void {
    for (const buffer of buffers) {
      if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < MIN_POOLED_BYTES || this.#bytes + buffer.byteLength > this.maxBytes) continue;
      let list = this.#free.get(buffer.byteLength);
      if (list === undefined) this.#free.set(buffer.byteLength, (list = []));
      if (list.includes(buffer)) continue;
      list.push(buffer);
      this.#bytes += buffer.byteLength;
    }
  }

  float64(length: number): Float64Array {
    return new Float64Array(this.take(length * 8));
  }

  int32(length: number): Int32Array {
    return new Int32Array(this.take(length * 4));
  }

  bigInt64(length: number): BigInt64Array {
    return new BigInt64Array(this.take(length * 8));
  }
}

/** Below this, allocating is cheap and pooling not worth the bookkeeping. */
export const MIN_POOLED_BYTES = 64 * 1024;

/** The pool of this thread: readers, the scorer and the writer share it. */
export const threadBufferPool = new BufferPool();
