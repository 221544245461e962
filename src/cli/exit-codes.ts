import { isMlopsError } from '../errors.js';
import type { JobResult } from '../pipeline/result.js';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_REJECTED = 3;

export function exitCodeForError(error: unknown): number {
  if (isMlopsError(error)) {
    if (error.code === 'USAGE' || error.code === 'CONFIG_INVALID') return EXIT_USAGE;
    if (error.code === 'REJECTED') return EXIT_REJECTED;
  }
  return EXIT_ERROR;
}

export function exitCodeForResult(result: JobResult): number {
  if (result.status === 'succeeded') return EXIT_OK;
  if (result.status === 'rejected') return EXIT_REJECTED;
  if (result.failure?.code === 'REJECTED') return EXIT_REJECTED;
  if (result.failure?.code === 'CONFIG_INVALID' || result.failure?.code === 'USAGE') return EXIT_USAGE;
  return EXIT_ERROR;
}
