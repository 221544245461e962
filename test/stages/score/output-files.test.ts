import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stageLocalOutput, stageVolumeOutput } from '../../../src/stages/score/output-files.js';
import { LocalVolumeStore } from '../../../src/workspace/local/volumes.js';
import type { VolumeStore } from '../../../src/workspace/types.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const bytes = (text: string) => new TextEncoder().encode(text);

async function put(files: Awaited<ReturnType<typeof stageLocalOutput>>, relative: string, text: string): Promise<void> {
  const file = await files.create(relative);
  await file.sink.write(bytes(text));
  await file.close();
}

describe('stageLocalOutput', () => {
  it('a file: invisible until commit, then renamed over the old one; abort keeps the old one', async () => {
    const dir = await tempDir();
    const target = join(dir, 'p.parquet');
    await writeFile(target, 'old');
    const first = await stageLocalOutput(target, { layout: 'file', mode: 'overwrite' });
    await put(first, '', 'new');
    expect(await readFile(target, 'utf8')).toBe('old');
    await first.commit();
    expect(await readFile(target, 'utf8')).toBe('new');
    const second = await stageLocalOutput(target, { layout: 'file', mode: 'overwrite' });
    await put(second, '', 'newer');
    await second.abort();
    expect(await readFile(target, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['p.parquet']);
  });

  it('a folder on overwrite: swapped in whole, the old parts gone, no leftovers', async () => {
    const dir = await tempDir();
    const target = join(dir, 'out');
    await mkdir(join(target, 'x=1'), { recursive: true });
    await writeFile(join(target, 'x=1', 'old.parquet'), 'old');
    const files = await stageLocalOutput(target, { layout: 'folder', mode: 'overwrite' });
    await put(files, 'x=2/part-0.parquet', 'a');
    await put(files, 'part-1.parquet', 'b');
    expect(await readdir(target)).toEqual(['x=1']);
    await files.commit();
    expect((await readdir(target)).sort()).toEqual(['part-1.parquet', 'x=2']);
    expect(await readdir(dir)).toEqual(['out']);
  });

  it('a folder on append: the new parts join the old ones', async () => {
    const dir = await tempDir();
    const target = join(dir, 'out');
    await mkdir(target);
    await writeFile(join(target, 'part-a.parquet'), 'old');
    const files = await stageLocalOutput(target, { layout: 'folder', mode: 'append' });
    expect(files.atomic).toBe(false);
    await put(files, 'x=1/part-b.parquet', 'new');
    await files.commit();
    expect((await readdir(target, { recursive: true })).sort()).toEqual(['part-a.parquet', 'x=1', 'x=1/part-b.parquet']);
    expect(await readdir(dir)).toEqual(['out']);
  });

  it('puts back the previous folder when a crash came between the two renames of an overwrite', async () => {
    const dir = await tempDir();
    const target = join(dir, 'out');
    // What the crash leaves: the old output moved aside, no target.
    await mkdir(join(dir, '.mlops-tmp-out.old.1234'));
    await writeFile(join(dir, '.mlops-tmp-out.old.1234', 'part-old.parquet'), 'old');
    const files = await stageLocalOutput(target, { layout: 'folder', mode: 'append' });
    expect(await readdir(target)).toEqual(['part-old.parquet']);
    await files.abort();
    expect(await readdir(target)).toEqual(['part-old.parquet']);
  });

  it('refuses a folder where a file is wanted and a file where a folder is to be appended to', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'p.parquet'));
    await expect(stageLocalOutput(join(dir, 'p.parquet'), { layout: 'file', mode: 'overwrite' })).rejects.toThrow(/a folder is in the way/);
    await writeFile(join(dir, 'out'), 'x');
    await expect(stageLocalOutput(join(dir, 'out'), { layout: 'folder', mode: 'append' })).rejects.toThrow(/it is a file, not a folder/);
  });
});

describe('stageVolumeOutput (any VolumeStore)', () => {
  async function store(): Promise<VolumeStore & { localPath(p: string): string }> {
    return new LocalVolumeStore({ root: await tempDir() });
  }

  async function paths(volumes: VolumeStore, folder: string): Promise<string[]> {
    const found: string[] = [];
    for await (const entry of volumes.list(folder)) found.push(entry.path);
    return found.sort();
  }

  it('a file is written whole at commit; nothing before', async () => {
    const volumes = await store();
    const files = await stageVolumeOutput(volumes, '/Volumes/c/s/v/p.parquet', { layout: 'file', mode: 'overwrite' });
    await put(files as never, '', 'data');
    expect(await volumes.exists('/Volumes/c/s/v/p.parquet')).toBe(false);
    await files.commit();
    expect(new TextDecoder().decode(await volumes.read('/Volumes/c/s/v/p.parquet'))).toBe('data');
  });

  it('a folder on overwrite: new parts first, then the old ones are deleted', async () => {
    const volumes = await store();
    await volumes.write('/Volumes/c/s/v/out/old.parquet', 'old');
    const files = await stageVolumeOutput(volumes, '/Volumes/c/s/v/out', { layout: 'folder', mode: 'overwrite' });
    await put(files as never, 'part-1.parquet', 'new');
    expect(await paths(volumes, '/Volumes/c/s/v/out')).toEqual(['/Volumes/c/s/v/out/old.parquet', '/Volumes/c/s/v/out/part-1.parquet']);
    await files.commit();
    expect(await paths(volumes, '/Volumes/c/s/v/out')).toEqual(['/Volumes/c/s/v/out/part-1.parquet']);
  });
});
