import { describe, expect, it } from 'vitest';
import { exitCodeForError, exitCodeForResult } from '../../src/cli/exit-codes.js';
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
});
