import { isMlopsError, MlopsError } from '../errors.js';
import type { JobResult } from '../pipeline/result.js';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_REJECTED = 3;
/** A run stopped by SIGINT (Ctrl-C) exits 128 + 2, by SIGTERM 128 + 15, as shells report a process killed by it. */
export const EXIT_INTERRUPTED = 130;
export const EXIT_TERMINATED = 143;

/** The abort reason the CLI's signal carries: which signal stopped it. */
export interface Interruption {
  signal: 'SIGINT' | 'SIGTERM';
}

/** The abort reason for a signal: an ABORTED error naming it, so messages say "interrupted (SIGTERM)". */
export function interruptionReason(signal: Interruption['signal']): MlopsError {
  return new MlopsError('ABORTED', `interrupted (${signal})`, { details: { signal } });
}

/** 130 for SIGINT (and an abort of unknown cause), 143 for SIGTERM. */
export function exitCodeForAbort(signal: AbortSignal | undefined): number {
  const reason: unknown = signal?.reason;
  return isMlopsError(reason) && reason.details?.['signal'] === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED;
}

export function exitCodeForError(error: unknown, signal?: AbortSignal): number {
  if (signal?.aborted) return exitCodeForAbort(signal);
  if (isMlopsError(error)) {
    if (error.code === 'USAGE' || error.code === 'CONFIG_INVALID') return EXIT_USAGE;
    if (error.code === 'REJECTED') return EXIT_REJECTED;
  }
  return EXIT_ERROR;
}

export function exitCodeForResult(result: JobResult, signal?: AbortSignal): number {
  if (result.status === 'succeeded') return EXIT_OK;
  if (result.status === 'cancelled') return exitCodeForAbort(signal);
  if (result.status === 'rejected') return EXIT_REJECTED;
  if (result.failure?.code === 'REJECTED') return EXIT_REJECTED;
  if (result.failure?.code === 'CONFIG_INVALID' || result.failure?.code === 'USAGE') return EXIT_USAGE;
  return EXIT_ERROR;
}
