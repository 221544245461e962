import type { FileHandle } from 'node:fs/promises';
import { throwIfAborted } from '../errors.js';

/**
 * Bytes [start, start + length) of an open file by positioned reads, into a buffer of its own
 * (so the caller may hand its ArrayBuffer on whole). Fewer bytes only where the file ends first.
 */
export async function readFileRange(handle: FileHandle, start: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    throwIfAborted(signal);
    const { bytesRead } = await handle.read(bytes, filled, length - filled, start + filled);
    if (bytesRead === 0) return bytes.subarray(0, filled);
    filled += bytesRead;
  }
  return bytes;
}
