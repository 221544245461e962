import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEMP_FILE_PREFIX } from '../../../src/io/atomic-file.js';
import { LocalVolumeStore } from '../../../src/workspace/local/volumes.js';
import type { VolumeEntry } from '../../../src/workspace/types.js';
import { rejectedMlopsError } from '../../helpers/errors.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function newStore(): Promise<{ root: string; volumes: LocalVolumeStore }> {
  const root = await tempDir();
  return { root, volumes: new LocalVolumeStore({ root }) };
}

async function collect(iterable: AsyncIterable<VolumeEntry>): Promise<VolumeEntry[]> {
  const entries: VolumeEntry[] = [];
  for await (const entry of iterable) entries.push(entry);
  return entries;
}

describe('LocalVolumeStore paths', () => {
  it('maps /Volumes/<catalog>/<schema>/<volume>/<rest> under <root>/Volumes', async () => {
    const { root, volumes } = await newStore();
    expect(volumes.localPath('/Volumes/main/iris/raw/a/b.csv')).toBe(path.join(root, 'Volumes', 'main', 'iris', 'raw', 'a', 'b.csv'));
    await volumes.write('/Volumes/main/iris/raw/a/b.csv', 'x,y\n');
    expect(await readFile(path.join(root, 'Volumes/main/iris/raw/a/b.csv'), 'utf8')).toBe('x,y\n');
  });

  it('rejects paths outside a volume or escaping with .., naming the path', async () => {
    const { root, volumes } = await newStore();
    for (const bad of ['/tmp/x', 'Volumes/c/s/v/x', '/Volumes/c/s', '/Volumes/c/s/v/../../../../etc/passwd', '/Volumes/c/s/v/a/../../w/x']) {
      const error = await rejectedMlopsError(volumes.write(bad, 'x'));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain(JSON.stringify(bad));
    }
    expect(() => volumes.localPath('/Volumes/c/s/v/..')).toThrow(/"\.\." segment/);
    // Nothing escaped onto disk.
    expect(await readdir(root)).toEqual([]);
  });
});

describe('LocalVolumeStore read/write', () => {
  it('round-trips bytes and text and reports stat and exists', async () => {
    const { volumes } = await newStore();
    const bytes = Uint8Array.of(0, 1, 2, 255);
    await volumes.write('/Volumes/c/s/v/bin/data.bin', bytes);
    expect(Array.from(await volumes.read('/Volumes/c/s/v/bin/data.bin'))).toEqual([0, 1, 2, 255]);
    expect(await volumes.exists('/Volumes/c/s/v/bin/data.bin')).toBe(true);
    expect(await volumes.exists('/Volumes/c/s/v/bin/other.bin')).toBe(false);
    const stat = await volumes.stat('/Volumes/c/s/v/bin/data.bin');
    expect(stat).toMatchObject({ path: '/Volumes/c/s/v/bin/data.bin', isDirectory: false, size: 4 });
    expect(stat?.modifiedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(await volumes.stat('/Volumes/c/s/v/bin/')).toMatchObject({ path: '/Volumes/c/s/v/bin', isDirectory: true, size: 0 });
    expect(await volumes.stat('/Volumes/c/s/v/nothing')).toBeUndefined();
  });

  it('reading a missing file is NOT_FOUND naming the volume path', async () => {
    const { volumes } = await newStore();
    const error = await rejectedMlopsError(volumes.read('/Volumes/c/s/v/missing.csv'));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('/Volumes/c/s/v/missing.csv');
  });

  it('writes atomically: the target is replaced by rename and no temporary file is left', async () => {
    const { root, volumes } = await newStore();
    await volumes.write('/Volumes/c/s/v/f.txt', 'old');
    await volumes.write('/Volumes/c/s/v/f.txt', 'new', { overwrite: true });
    expect(new TextDecoder().decode(await volumes.read('/Volumes/c/s/v/f.txt'))).toBe('new');
    expect(await readdir(path.join(root, 'Volumes/c/s/v'))).toEqual(['f.txt']);
  });

  it('with overwrite false, an existing file is ALREADY_EXISTS and unchanged', async () => {
    const { volumes } = await newStore();
    await volumes.write('/Volumes/c/s/v/f.txt', 'first', { overwrite: false });
    const error = await rejectedMlopsError(volumes.write('/Volumes/c/s/v/f.txt', 'second', { overwrite: false }));
    expect(error.code).toBe('ALREADY_EXISTS');
    expect(error.message).toContain('/Volumes/c/s/v/f.txt');
    expect(new TextDecoder().decode(await volumes.read('/Volumes/c/s/v/f.txt'))).toBe('first');
  });

  it('refuses to write to the volume itself', async () => {
    const { volumes } = await newStore();
    expect((await rejectedMlopsError(volumes.write('/Volumes/c/s/v', 'x'))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('LocalVolumeStore list, mkdirs and delete', () => {
  async function populated(): Promise<{ root: string; volumes: LocalVolumeStore }> {
    const store = await newStore();
    await store.volumes.write('/Volumes/c/s/v/data/b.csv', '12345');
    await store.volumes.write('/Volumes/c/s/v/data/a.csv', '1');
    await store.volumes.write('/Volumes/c/s/v/data/sub/deep/c.csv', '12');
    await store.volumes.mkdirs('/Volumes/c/s/v/data/empty');
    return store;
  }

  it('lists the direct children, sorted, with directories marked', async () => {
    const { volumes } = await populated();
    const entries = await collect(volumes.list('/Volumes/c/s/v/data'));
    expect(entries.map((entry) => [entry.path, entry.isDirectory, entry.size])).toEqual([
      ['/Volumes/c/s/v/data/a.csv', false, 1],
      ['/Volumes/c/s/v/data/b.csv', false, 5],
      ['/Volumes/c/s/v/data/empty', true, 0],
      ['/Volumes/c/s/v/data/sub', true, 0],
    ]);
  });

  it('lists every descendant file when recursive', async () => {
    const { volumes } = await populated();
    const entries = await collect(volumes.list('/Volumes/c/s/v/data/', { recursive: true }));
    expect(entries.map((entry) => entry.path)).toEqual([
      '/Volumes/c/s/v/data/a.csv',
      '/Volumes/c/s/v/data/b.csv',
      '/Volumes/c/s/v/data/sub/deep/c.csv',
    ]);
  });

  it('hides temporary files a crash left behind', async () => {
    const { root, volumes } = await populated();
    await writeFile(path.join(root, 'Volumes/c/s/v/data', `${TEMP_FILE_PREFIX}a.csv.1234`), 'partial');
    const entries = await collect(volumes.list('/Volumes/c/s/v/data', { recursive: true }));
    expect(entries.some((entry) => entry.path.includes(TEMP_FILE_PREFIX))).toBe(false);
  });

  it('listing a missing directory is NOT_FOUND, listing a file is INVALID_ARGUMENT', async () => {
    const { volumes } = await populated();
    const missing = await rejectedMlopsError(collect(volumes.list('/Volumes/c/s/v/nope')));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('/Volumes/c/s/v/nope');
    expect((await rejectedMlopsError(collect(volumes.list('/Volumes/c/s/v/data/a.csv')))).code).toBe('INVALID_ARGUMENT');
  });

  it('mkdirs is idempotent and fails when a file is in the way', async () => {
    const { volumes } = await populated();
    await volumes.mkdirs('/Volumes/c/s/v/data/empty');
    expect((await volumes.stat('/Volumes/c/s/v/data/empty'))?.isDirectory).toBe(true);
    expect((await rejectedMlopsError(volumes.mkdirs('/Volumes/c/s/v/data/a.csv/x'))).code).toBe('ALREADY_EXISTS');
  });

  it('deletes files and directory trees, accepts absent paths, and refuses the volume itself', async () => {
    const { volumes } = await populated();
    await volumes.delete('/Volumes/c/s/v/data/a.csv');
    await volumes.delete('/Volumes/c/s/v/data/sub');
    await volumes.delete('/Volumes/c/s/v/data/never-existed');
    expect((await collect(volumes.list('/Volumes/c/s/v/data', { recursive: true }))).map((e) => e.path)).toEqual(['/Volumes/c/s/v/data/b.csv']);
    expect((await rejectedMlopsError(volumes.delete('/Volumes/c/s/v/'))).code).toBe('INVALID_ARGUMENT');
    expect(await volumes.exists('/Volumes/c/s/v/data/b.csv')).toBe(true);
  });

  it('stops with ABORTED when the signal has fired', async () => {
    const { volumes } = await populated();
    const controller = new AbortController();
    controller.abort();
    expect((await rejectedMlopsError(volumes.read('/Volumes/c/s/v/data/a.csv', { signal: controller.signal }))).code).toBe('ABORTED');
    expect((await rejectedMlopsError(volumes.write('/Volumes/c/s/v/data/z.csv', 'z', { signal: controller.signal }))).code).toBe('ABORTED');
    expect(await volumes.exists('/Volumes/c/s/v/data/z.csv')).toBe(false);
  });
});
