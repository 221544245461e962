import { open, type FileHandle } from 'node:fs/promises';
import * as pq from './parquet-wasm.js';
import { MlopsError, throwIfAborted } from '../errors.js';
import { readFileRange } from './file-range.js';
import { toMlopsError } from './fs-errors.js';
import { checkParquetMagic, PARQUET_MIN_BYTES } from './parquet-magic.js';

/**
 * Parquet files as parquet-wasm sees them, without Arrow JS: what the reading worker thread loads
 * (apache-arrow alone takes ~150 ms to import), and what parquet.ts builds Arrow batches on.
 */
export interface WasmParquetFile {
  file: pq.ParquetFile;
  /** Names the file in error messages. */
  name: string;
  /**
   * Settles as `work` (a call into `file`) does, or rejects with the error of a failed byte-range
   * read as soon as one fails. parquet-wasm cannot take a failed read (it panics, and the panic
   * escapes as an uncaught exception that ends the process), so a failed read is never handed to
   * it: its call is left waiting, and the caller learns of the failure here. After that the file
   * can only be closed.
   */
  unlessReadFails<T>(work: Promise<T>): Promise<T>;
  /** Frees the wasm-side reader and closes the file. */
  close(): Promise<void>;
}

/** Bytes [start, end) of a file, with 0 ≤ start ≤ end ≤ its size; fewer only if the file has shrunk since. */
export type ReadRange = (start: number, end: number) => Promise<Uint8Array>;

/** Opens a local file by its footer; its row groups are read from disk only when streamed. */
export async function openWasmParquetFile(path: string, name = path): Promise<WasmParquetFile> {
  let handle: FileHandle;
  let size: number;
  try {
    handle = await open(path, 'r');
    size = (await handle.stat()).size;
  } catch (error) {
    throw toMlopsError(error, `open ${name}`);
  }
  return openWasmParquetRanges(size, (start, end) => readFileRange(handle, start, end - start), name, () => handle.close());
}

/**
 * Opens a Parquet file of `size` bytes by its footer over any ranged reader (a local file, a file
 * on a volume of another backend): each later read asks for one row group's column chunks, so
 * memory stays at about a row group whatever the file's size. `release` (closing what `read`
 * reads from) runs on close, or at once when the file cannot be opened.
 */
export async function openWasmParquetRanges(size: number, read: ReadRange, name: string, release: () => Promise<void> = async () => undefined): Promise<WasmParquetFile> {
  const ranges = new RangeBlob(size, read, name);
  let file: pq.ParquetFile;
  try {
    if (size < PARQUET_MIN_BYTES) checkParquetMagic(new Uint8Array(0), new Uint8Array(0), size, name);
    const [head, tail] = await ranges.unlessReadFails(Promise.all([ranges.slice(0, 4).arrayBuffer(), ranges.slice(size - 4).arrayBuffer()]));
    checkParquetMagic(new Uint8Array(head), new Uint8Array(tail), size, name);
  } catch (error) {
    await release().catch(() => undefined);
    throw ranges.failure ?? error;
  }
  try {
    file = await ranges.unlessReadFails(pq.ParquetFile.fromFile(ranges as unknown as Blob));
  } catch (error) {
    await release().catch(() => undefined);
    if (ranges.failure !== undefined) throw ranges.failure;
    throw new MlopsError('CORRUPT', `Cannot read ${name} as Parquet (${size} bytes): ${describe(error)}`, { cause: error, details: { source: name, bytes: size } });
  }
  let closed = false;
  return {
    file,
    name,
    unlessReadFails: (work) => ranges.unlessReadFails(work),
    close: async () => {
      if (closed) return;
      closed = true;
      file.free();
      await release();
    },
  };
}

/** The same over bytes already in memory (a file read whole); copied, as a Blob made of them would be, so the caller may reuse them. */
export function openWasmParquetBytes(bytes: Uint8Array, name: string): Promise<WasmParquetFile> {
  // A plain Uint8Array copy: a Node Buffer's slice() is a view of the same (possibly pooled)
  // memory, and so would be every later copy made with slice().
  const copy = new Uint8Array(bytes);
  return openWasmParquetRanges(copy.byteLength, async (start, end) => copy.subarray(start, end), name);
}

export interface WasmStreamOptions {
  columns: readonly string[];
  batchSize: number;
  /** Only these row groups (indices); default all. */
  rowGroups?: readonly number[];
  /** At most this many rows *per row group* (parquet-wasm applies it to each); default all. */
  limit?: number;
  signal?: AbortSignal;
}

/** The file's rows as parquet-wasm record batches (in wasm memory) of at most `batchSize` rows. */
export async function* streamWasmBatches(file: WasmParquetFile, options: WasmStreamOptions): AsyncGenerator<pq.RecordBatch, void, undefined> {
  let stream: ReadableStream<pq.RecordBatch>;
  try {
    stream = (await file.unlessReadFails(file.file.stream({
          batchSize: options.batchSize,
          columns: [...options.columns],
          ...(options.rowGroups === undefined ? {} : { rowGroups: [...options.rowGroups] }),
          ...(options.limit === undefined ? {} : { limit: options.limit }),
        }))) as ReadableStream<pq.RecordBatch>;
  } catch (error) {
    throw asCorrupt(error, file.name);
  }
  const reader = stream.getReader();
  try {
    for (;;) {
      throwIfAborted(options.signal);
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await file.unlessReadFails(reader.read());
      } catch (error) {
        throw asCorrupt(error, file.name);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** parquet-wasm's own failures mean the bytes are not good Parquet; a failed read keeps its own error. */
function asCorrupt(error: unknown, name: string): MlopsError {
  if (error instanceof MlopsError) return error;
  return new MlopsError('CORRUPT', `Cannot read Parquet file ${name}: ${describe(error)}`, { cause: error, details: { source: name } });
}

/**
 * What parquet-wasm's ParquetFile.fromFile uses of a Blob — `size` and `slice(start, end).arrayBuffer()`
 * — over a ranged reader: one read per byte range. (Node's own file-backed Blob reads the same ranges
 * in small chunks and concatenates them, which measured ~1.5× slower for whole scoring runs.)
 */
class RangeBlob {
  readonly size: number;
  readonly #read: ReadRange;
  readonly #name: string;
  /** The first failed read's error; every read after it fails too. */
  failure: MlopsError | undefined;
  readonly #waiting = new Set<(error: MlopsError) => void>();

  constructor(size: number, read: ReadRange, name: string) {
    this.size = size;
    this.#read = read;
    this.#name = name;
  }

  slice(start = 0, end = this.size): { arrayBuffer(): Promise<ArrayBuffer> } {
    // Blob.slice's rules: negative offsets count from the end, and both are clamped to the size.
    const from = start < 0 ? Math.max(this.size + start, 0) : Math.min(start, this.size);
    const to = Math.max(from, end < 0 ? Math.max(this.size + end, 0) : Math.min(end, this.size));
    return { arrayBuffer: () => this.#bytes(from, to) };
  }

  unlessReadFails<T>(work: Promise<T>): Promise<T> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.#waiting.add(reject);
      work.then(
        (value) => {
          this.#waiting.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.#waiting.delete(reject);
          reject(error);
        },
      );
    });
  }

  async #bytes(start: number, end: number): Promise<ArrayBuffer> {
    let bytes: Uint8Array;
    try {
      if (this.failure !== undefined) throw this.failure;
      bytes = await this.#read(start, end);
      if (bytes.byteLength !== end - start) {
        throw new MlopsError('IO', `Cannot read bytes [${start}, ${end}) of ${this.#name}: expected ${end - start} bytes, got ${bytes.byteLength} (did the file change after it was opened at ${this.size} bytes?)`, {
          details: { source: this.#name, start, end, bytes: bytes.byteLength },
        });
      }
    } catch (error) {
      this.failure ??= toMlopsError(error, `read bytes [${start}, ${end}) of ${this.#name}`);
      for (const reject of this.#waiting) reject(this.failure);
      this.#waiting.clear();
      // Never settles: see WasmParquetFile.unlessReadFails.
      return new Promise<ArrayBuffer>(() => undefined);
    }
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    return whole ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
