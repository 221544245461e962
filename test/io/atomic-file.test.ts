import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors.js';
import { isTempFileName, TEMP_FILE_PREFIX, writeLocalFileAtomic } from '../../src/io/atomic-file.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof MlopsError ? error.code : `not an MlopsError: ${String(error)}`;
  }
}

describe('writeLocalFileAtomic', () => {
  it('creates missing folders, writes bytes or text, and leaves no temporary file', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'a', 'b', 'file.txt');
    await writeLocalFileAtomic(target, 'first');
    await writeLocalFileAtomic(target, new TextEncoder().encode('second'));
    expect(await readFile(target, 'utf8')).toBe('second');
    expect(await readdir(path.dirname(target))).toEqual(['file.txt']);
  });

  it('with overwrite false, refuses an existing file and keeps its content', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'kept.txt');
    await writeLocalFileAtomic(target, 'original', { overwrite: false });
    let caught: unknown;
    try {
      await writeLocalFileAtomic(target, 'replacement', { overwrite: false, displayName: '/Volumes/c/s/v/kept.txt' });
    } catch (error) {
      caught = error;
    }
    expect((caught as MlopsError).code).toBe('ALREADY_EXISTS');
    expect((caught as MlopsError).message).toContain('/Volumes/c/s/v/kept.txt already exists');
    expect(await readFile(target, 'utf8')).toBe('original');
    expect(await readdir(dir)).toEqual(['kept.txt']);
  });

  it('fails with INVALID_ARGUMENT when a directory is in the way, cleaning up its temporary file', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'taken', 'child'), { recursive: true });
    expect(await codeOf(writeLocalFileAtomic(path.join(dir, 'taken'), 'x'))).toBe('INVALID_ARGUMENT');
    expect((await readdir(dir)).filter(isTempFileName)).toEqual([]);
  });

  it('does nothing when the signal has already fired', async () => {
    const dir = await tempDir();
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(writeLocalFileAtomic(path.join(dir, 'never.txt'), 'x', { signal: controller.signal }))).toBe('ABORTED');
    expect(await readdir(dir)).toEqual([]);
  });

  it('never lets a reader see a partial file while writes race', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'racy.bin');
    const versions = [1, 2, 3, 4, 5, 6].map((n) => new Uint8Array(256 * 1024).fill(n));
    await writeFile(target, versions[0] ?? new Uint8Array());
    const reads: Promise<void>[] = [];
    const writes = versions.map((data) => writeLocalFileAtomic(target, data));
    for (let i = 0; i < 20; i++) {
      reads.push(
        readFile(target).then((bytes) => {
          expect(bytes.byteLength).toBe(256 * 1024);
          expect(new Set(bytes).size).toBe(1);
        }),
      );
    }
    await Promise.all([...writes, ...reads]);
    expect((await readdir(dir)).filter((name) => name.startsWith(TEMP_FILE_PREFIX))).toEqual([]);
  });
});
