import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEMP_FILE_PREFIX } from '../../../src/io/atomic-file.js';
import { insideFolder, listArtifactFolder, readArtifactFile, writeArtifactFile } from '../../../src/tracking/file-store/artifact-folder.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('artifact folders', () => {
  it('writes, lists (sorted, without our temp files) and reads artifacts', async () => {
    const root = await tempDir();
    await writeArtifactFile(root, 'b/deep/file.bin', new Uint8Array([1, 2]));
    await writeArtifactFile(root, 'a.txt', 'text');
    await writeFile(join(root, '.a.txt.123.0123456789ab.tmp'), 'half-written');
    expect(await listArtifactFolder(root, '')).toEqual([
      { path: 'a.txt', isDir: false, fileSize: 4 },
      { path: 'b', isDir: true, fileSize: undefined },
    ]);
    expect(await listArtifactFolder(root, 'b/deep')).toEqual([{ path: 'b/deep/file.bin', isDir: false, fileSize: 2 }]);
    expect(await listArtifactFolder(root, 'a.txt')).toEqual([]);
    expect(Array.from(await readArtifactFile(root, 'b/deep/file.bin', 'of run r'))).toEqual([1, 2]);
  });

  it('refuses paths outside the folder and names what is missing', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'dir'));
    expect(() => insideFolder(root, '../x')).toThrow(/resolves outside the artifact root/);
    await expect(writeArtifactFile(root, '../escape', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(readArtifactFile(root, 'nope.txt', 'of run r1')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining("Artifact 'nope.txt' of run r1 does not exist") });
    await expect(readArtifactFile(root, 'dir', 'of run r1')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('is a folder') });
  });

  it('hides the temporary files of writeLocalFileAtomic that a crash left behind', async () => {
    const root = await tempDir();
    await writeArtifactFile(root, 'a.txt', 'text');
    await writeFile(join(root, `${TEMP_FILE_PREFIX}a.txt.6f1c2a9e-0b7d-4c3e-9a51-2d8e4f7b1c30.tmp`), 'half-written');
    expect(await listArtifactFolder(root, '')).toEqual([{ path: 'a.txt', isDir: false, fileSize: 4 }]);
  });
});
