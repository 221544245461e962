import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readPickleFile } from '../../../src/stages/train/read-pickle.js';
import { VOLUME, localStage } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('readPickleFile', () => {
  it('reads a /Volumes path through the volumes, and local paths relative to the config, absolute or file:', async () => {
    const dir = await tempDir();
    const { ctx } = await localStage(dir);
    await ctx.workspace.volumes.write(`${VOLUME}/m.pkl`, Uint8Array.of(1, 2));
    await writeFile(path.join(dir, 'local.pkl'), Uint8Array.of(3));
    expect(await readPickleFile(ctx, `${VOLUME}/m.pkl`)).toEqual({ bytes: Uint8Array.of(1, 2), location: `${VOLUME}/m.pkl` });
    expect((await readPickleFile(ctx, 'local.pkl')).location).toBe(path.join(dir, 'local.pkl'));
    expect(Array.from((await readPickleFile(ctx, path.join(dir, 'local.pkl'))).bytes)).toEqual([3]);
    expect(Array.from((await readPickleFile(ctx, pathToFileURL(path.join(dir, 'local.pkl')).href)).bytes)).toEqual([3]);
  });

  it('says when the path is a folder or missing', async () => {
    const { ctx } = await localStage(await tempDir());
    await ctx.workspace.volumes.mkdirs(`${VOLUME}/folder`);
    await expect(readPickleFile(ctx, `${VOLUME}/folder`)).rejects.toThrow(`pkl_path ${VOLUME}/folder: is a directory, expected a pickle file`);
    await expect(readPickleFile(ctx, `${VOLUME}/none.pkl`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
