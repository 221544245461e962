import { MlopsError } from '../errors.js';

/** VolumeStore.readRange's arguments: whole byte offsets with 0 ≤ start ≤ end (end exclusive). */
export function checkByteRange(path: string, start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new MlopsError('INVALID_ARGUMENT', `Cannot read bytes [${start}, ${end}) of ${path}: expected whole byte offsets with 0 ≤ start ≤ end`, {
      details: { path, start, end },
    });
  }
}
