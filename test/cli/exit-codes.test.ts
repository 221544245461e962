import { describe, expect, it } from 'vitest';
import { exitCodeForError, exitCodeForResult, interruptionReason } from '../../src/cli/exit-codes.js';
import { MlopsError } from '../../src/errors.js';
import type { JobResult } from '../../src/pipeline/result.js';

const result = (status: JobResult['status'], failureCode?: string) => ({ status, ...(failureCode ? { failure: { stage: 'ingest', code: failureCode, message: '' } } : {}) }) as JobResult;

describe('exit codes', () => {
  it('maps errors: usage and config 2, rejection 3, anything else 1', () => {
    expect(exitCodeForError(new MlopsError('USAGE', 'x'))).toBe(2);
    expect(exitCodeForError(new MlopsError('CONFIG_INVALID', 'x'))).toBe(2);
    expect(exitCodeForError(new MlopsError('REJECTED', 'x'))).toBe(3);
    expect(exitCodeForError(new MlopsError('NOT_FOUND', 'x'))).toBe(1);
    expect(exitCodeForError(new Error('plain'))).toBe(1);
  });

  it('maps results: succeeded 0, rejected 3, failed by its error code', () => {
    expect(exitCodeForResult(result('succeeded'))).toBe(0);
    expect(exitCodeForResult(result('rejected'))).toBe(3);
    expect(exitCodeForResult(result('failed', 'IO'))).toBe(1);
    expect(exitCodeForResult(result('failed', 'CONFIG_INVALID'))).toBe(2);
    expect(exitCodeForResult(result('failed', 'REJECTED'))).toBe(3);
  });

  it('maps a cancelled run and an error after a signal to 128 + the signal: 130 for SIGINT, 143 for SIGTERM', () => {
    const aborted = (signal: 'SIGINT' | 'SIGTERM') => {
      const controller = new AbortController();
      controller.abort(interruptionReason(signal));
      return controller.signal;
    };
    expect(exitCodeForResult(result('cancelled', 'ABORTED'), aborted('SIGINT'))).toBe(130);
    expect(exitCodeForResult(result('cancelled', 'ABORTED'), aborted('SIGTERM'))).toBe(143);
    expect(exitCodeForError(new MlopsError('ABORTED', 'x'), aborted('SIGTERM'))).toBe(143);
    expect(exitCodeForError(new MlopsError('IO', 'x'), aborted('SIGINT'))).toBe(130);
    // An abort of unknown cause (a library caller's controller) counts as an interruption.
    const plain = new AbortController();
    plain.abort();
    expect(exitCodeForResult(result('cancelled', 'ABORTED'), plain.signal)).toBe(130);
    expect(interruptionReason('SIGTERM')).toMatchObject({ code: 'ABORTED', message: 'interrupted (SIGTERM)' });
    // Without a signal nothing changes.
    expect(exitCodeForError(new MlopsError('IO', 'x'), new AbortController().signal)).toBe(1);
  });
});
