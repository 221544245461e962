import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { writeLocalFileAtomic } from '../../../src/io/atomic-file.js';
import {
  listFilesRecursive,
  listSubdirectories,
  mkdirExclusive,
  readKeyValueFolder,
  readTextIfExists,
  storeWriteOptions,
} from '../../../src/tracking/file-store/disk.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});

describe('disk helpers', () => {
  it('writes atomically through a temp file in the given folder and leaves no temp behind', async () => {
    const target = join(dir, 'tags', 'nested', 'key');
    await writeLocalFileAtomic(target, 'v1', storeWriteOptions({ tempDir: dir }));
    await writeLocalFileAtomic(target, 'v2', storeWriteOptions({ tempDir: dir, durable: true }));
    expect(await readFile(target, 'utf8')).toBe('v2');
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('reports a failed write as IO naming the target', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await expect(writeLocalFileAtomic(join(dir, 'file', 'child'), 'y', storeWriteOptions())).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining(join(dir, 'file', 'child')) });
  });

  it('reads missing files as undefined and lists folders', async () => {
    expect(await readTextIfExists(join(dir, 'nope'))).toBeUndefined();
    await mkdir(join(dir, 'b'));
    await mkdir(join(dir, 'a'));
    await writeFile(join(dir, 'f'), '');
    expect(await listSubdirectories(dir)).toEqual(['a', 'b']);
    expect(await listSubdirectories(join(dir, 'missing'))).toEqual([]);
  });

  it('reads a key/value folder with nested keys', async () => {
    await writeLocalFileAtomic(join(dir, 'tags', 'a'), '1', storeWriteOptions({ tempDir: dir }));
    await writeLocalFileAtomic(join(dir, 'tags', 'train', 'loss'), '2', storeWriteOptions({ tempDir: dir }));
    expect(await listFilesRecursive(join(dir, 'tags'))).toEqual(['a', 'train/loss']);
    expect(await readKeyValueFolder(join(dir, 'tags'))).toEqual({ a: '1', 'train/loss': '2' });
    expect(await readKeyValueFolder(join(dir, 'none'))).toEqual({});
  });

  it('creates a folder exclusively', async () => {
    expect(await mkdirExclusive(join(dir, 'version-1'))).toBe(true);
    expect(await mkdirExclusive(join(dir, 'version-1'))).toBe(false);
  });
});
