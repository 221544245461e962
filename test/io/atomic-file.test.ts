import { readdirSync } from 'node:fs';
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

/**
 * The helper looks at its signal once more just before the rename, when the temporary file is
 * written and closed: a signal whose `aborted` is a getter lets a test see both folders at that
 * moment, deterministically, and decide whether the abort has arrived.
 */
function signalReadAs(aborted: () => boolean): AbortSignal {
  const signal = new AbortController().signal;
  Object.defineProperty(signal, 'aborted', { get: aborted });
  return signal;
}

/** A folder laid out like an MLflow run: the target in tags/, which is read as a set of entries, and the temp folder above it. */
async function runLikeFolder(): Promise<{ tempFolder: string; tagsFolder: string; target: string }> {
  const tempFolder = await tempDir();
  const tagsFolder = path.join(tempFolder, 'tags');
  await mkdir(tagsFolder);
  const target = path.join(tagsFolder, 'key');
  await writeFile(target, 'previous');
  return { tempFolder, tagsFolder, target };
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

  it('puts the temporary file in tempDir, so the target folder never lists it while the write is in flight', async () => {
    const { tempFolder, tagsFolder, target } = await runLikeFolder();
    const tempFolderSeen: string[][] = [];
    const tagsFolderSeen: string[][] = [];
    const signal = signalReadAs(() => {
      tempFolderSeen.push(readdirSync(tempFolder).filter(isTempFileName));
      tagsFolderSeen.push(readdirSync(tagsFolder));
      return false;
    });
    await writeLocalFileAtomic(target, 'next', { tempDir: tempFolder, signal });
    expect(tempFolderSeen.some((names) => names.length === 1 && names[0]?.startsWith(`${TEMP_FILE_PREFIX}key.`))).toBe(true);
    expect(tagsFolderSeen.length).toBeGreaterThan(0);
    for (const names of tagsFolderSeen) expect(names).toEqual(['key']);
    expect(await readFile(target, 'utf8')).toBe('next');
    expect(await readdir(tagsFolder)).toEqual(['key']);
    expect((await readdir(tempFolder)).sort()).toEqual(['tags']);
  });

  it('leaves the previous content and no temporary file when aborted with the temporary file written', async () => {
    const { tempFolder, tagsFolder, target } = await runLikeFolder();
    let abortedWithTempFile = false;
    const signal = signalReadAs(() => {
      abortedWithTempFile = readdirSync(tempFolder).some(isTempFileName);
      return abortedWithTempFile;
    });
    expect(await codeOf(writeLocalFileAtomic(target, 'next', { tempDir: tempFolder, signal }))).toBe('ABORTED');
    expect(abortedWithTempFile).toBe(true);
    expect(await readFile(target, 'utf8')).toBe('previous');
    expect(await readdir(tagsFolder)).toEqual(['key']);
    expect(await readdir(tempFolder)).toEqual(['tags']);
  });

  it('removes the temporary file from tempDir when the rename fails, leaving what was there', async () => {
    const { tempFolder, tagsFolder } = await runLikeFolder();
    const inTheWay = path.join(tagsFolder, 'nested');
    await mkdir(inTheWay);
    await writeFile(path.join(inTheWay, 'child'), 'kept');
    expect(await codeOf(writeLocalFileAtomic(inTheWay, 'x', { tempDir: tempFolder }))).toBe('INVALID_ARGUMENT');
    expect(await readFile(path.join(inTheWay, 'child'), 'utf8')).toBe('kept');
    expect((await readdir(tempFolder)).filter(isTempFileName)).toEqual([]);
    expect((await readdir(tagsFolder)).sort()).toEqual(['key', 'nested']);
  });

  it('with overwrite false and a tempDir, links the new file into place or refuses an existing one', async () => {
    const { tempFolder, tagsFolder, target } = await runLikeFolder();
    const fresh = path.join(tagsFolder, 'fresh');
    await writeLocalFileAtomic(fresh, 'new', { tempDir: tempFolder, overwrite: false });
    expect(await readFile(fresh, 'utf8')).toBe('new');
    expect(await codeOf(writeLocalFileAtomic(target, 'next', { tempDir: tempFolder, overwrite: false }))).toBe('ALREADY_EXISTS');
    expect(await readFile(target, 'utf8')).toBe('previous');
    expect((await readdir(tempFolder)).filter(isTempFileName)).toEqual([]);
    expect((await readdir(tagsFolder)).sort()).toEqual(['fresh', 'key']);
  });

  it('reports file-system failures through toError, named by displayName, and its own errors as they are', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'taken', 'child'), { recursive: true });
    const seen: Array<{ errno: string | undefined; name: string }> = [];
    const toError = (error: unknown, name: string): MlopsError => {
      seen.push({ errno: (error as { code?: string }).code, name });
      return new MlopsError('IO', `custom ${name}`);
    };
    expect(await codeOf(writeLocalFileAtomic(path.join(dir, 'taken'), 'x', { toError, displayName: 'the taken file' }))).toBe('IO');
    expect(seen).toEqual([{ errno: 'EISDIR', name: 'the taken file' }]);
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(writeLocalFileAtomic(path.join(dir, 'never'), 'x', { toError, signal: controller.signal }))).toBe('ABORTED');
    await writeFile(path.join(dir, 'exists'), 'old');
    expect(await codeOf(writeLocalFileAtomic(path.join(dir, 'exists'), 'x', { toError, overwrite: false }))).toBe('ALREADY_EXISTS');
    expect(seen).toHaveLength(1);
  });
});
