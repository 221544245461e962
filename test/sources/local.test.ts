import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors.js';
import { LocalSource } from '../../src/sources/local.js';
import type { SourceFile } from '../../src/sources/types.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function listAll(source: LocalSource): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for await (const file of source.list()) files.push(file);
  return files;
}

describe('LocalSource', () => {
  it('lists files recursively, sorted by /-separated relative path, skipping hidden and _ names', async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'b', 'c'), { recursive: true });
    await mkdir(path.join(root, '_temporary'), { recursive: true });
    await writeFile(path.join(root, 'z.csv'), 'z');
    await writeFile(path.join(root, 'a.csv'), 'aaa');
    await writeFile(path.join(root, 'b', 'c', 'deep.csv'), 'dd');
    await writeFile(path.join(root, '.hidden.csv'), 'h');
    await writeFile(path.join(root, '_SUCCESS'), '');
    await writeFile(path.join(root, '_temporary', 'part.csv'), 'p');
    const source = new LocalSource({ root });
    expect(source.url).toBe(pathToFileURL(root).href);
    const files = await listAll(source);
    expect(files.map((file) => [file.path, file.size])).toEqual([
      ['a.csv', 3],
      ['b/c/deep.csv', 2],
      ['z.csv', 1],
    ]);
  });

  it('gives an etag that changes when the size or modification time changes', async () => {
    const root = await tempDir();
    const file = path.join(root, 'a.csv');
    await writeFile(file, 'one');
    await utimes(file, new Date(1_700_000_000_000), new Date(1_700_000_000_000));
    const source = new LocalSource({ root });
    const [first] = await listAll(source);
    expect(first?.modifiedAt).toBe(1_700_000_000_000);
    expect((await listAll(source))[0]?.etag).toBe(first?.etag);
    await utimes(file, new Date(1_700_000_001_000), new Date(1_700_000_001_000));
    const [touched] = await listAll(source);
    expect(touched?.etag).not.toBe(first?.etag);
    await writeFile(file, 'one more');
    await utimes(file, new Date(1_700_000_001_000), new Date(1_700_000_001_000));
    const [grown] = await listAll(source);
    expect(grown?.etag).not.toBe(touched?.etag);
  });

  it('streams a listed file in chunks of the configured size, gives its path and URL', async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'sub'));
    await writeFile(path.join(root, 'sub', 'x.csv'), 'a,b\n1,2\n');
    const source = new LocalSource({ root, chunkSize: 3 });
    const [file] = await listAll(source);
    if (file === undefined) throw new Error('nothing listed');
    const chunks: string[] = [];
    for await (const chunk of source.open(file)) chunks.push(Buffer.from(chunk).toString());
    expect(chunks).toEqual(['a,b', '\n1,', '2\n']);
    expect(source.localPath(file)).toBe(path.join(root, 'sub', 'x.csv'));
    expect(source.fileUrl(file)).toBe(pathToFileURL(path.join(root, 'sub', 'x.csv')).href);
  });

  it('refuses to read outside its folder', async () => {
    const source = new LocalSource({ root: await tempDir() });
    const outside: SourceFile = { path: '../etc/passwd', size: 0, modifiedAt: 0, etag: '' };
    await expect(source.open(outside)[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('fails with NOT_FOUND naming the folder when it is missing', async () => {
    const missing = path.join(await tempDir(), 'landing');
    let caught: unknown;
    try {
      await listAll(new LocalSource({ root: missing }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MlopsError);
    expect((caught as MlopsError).code).toBe('NOT_FOUND');
    expect((caught as MlopsError).message).toContain(missing);
  });

  it('follows symlinks without looping on a link back up the tree', async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'real'));
    await writeFile(path.join(root, 'real', 'r.csv'), 'r');
    await symlink(root, path.join(root, 'real', 'loop'));
    const files = await listAll(new LocalSource({ root }));
    expect(files.map((file) => file.path)).toEqual(['real/r.csv']);
  });
});
