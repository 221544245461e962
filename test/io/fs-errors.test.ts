import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors.js';
import { errnoCode, toMlopsError } from '../../src/io/fs-errors.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('toMlopsError', () => {
  it('maps a missing file to NOT_FOUND and says what was attempted on which path', async () => {
    const dir = await tempDir();
    const error = await readFile(path.join(dir, 'missing.txt')).catch((e: unknown) => e);
    expect(errnoCode(error)).toBe('ENOENT');
    const mapped = toMlopsError(error, 'read /Volumes/c/s/v/missing.txt');
    expect(mapped.code).toBe('NOT_FOUND');
    expect(mapped.message).toBe('Cannot read /Volumes/c/s/v/missing.txt: no such file or directory (ENOENT)');
    expect(mapped.cause).toBe(error);
  });

  it('maps reading a directory to INVALID_ARGUMENT', async () => {
    const dir = await tempDir();
    const mapped = toMlopsError(await readFile(dir).catch((e: unknown) => e), 'read it');
    expect(mapped.code).toBe('INVALID_ARGUMENT');
    expect(mapped.message).toMatch(/it is a directory/);
  });

  it('passes MlopsErrors through and falls back to IO for anything else', () => {
    const original = new MlopsError('ABORTED', 'stop');
    expect(toMlopsError(original, 'x')).toBe(original);
    const other = toMlopsError(new Error('disk on fire'), 'write y');
    expect(other.code).toBe('IO');
    expect(other.message).toBe('Cannot write y: disk on fire');
    expect(errnoCode('plain string')).toBeUndefined();
  });
});
