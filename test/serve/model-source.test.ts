import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelSource } from '../../src/serve/model-source.js';
import { approvedVersions } from '../helpers/registered-versions.js';
import { MODEL_NAME, localStage } from '../helpers/stage-context.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('ModelSource', () => {
  it('knows which URIs can move (alias, latest) and resolves them to the version they name now', async () => {
    const { ctx } = await localStage(await tempDir());
    await approvedVersions(ctx, 2);
    await ctx.workspace.registry.setAlias(MODEL_NAME, 'champion', '1');
    const alias = new ModelSource(`models:/${MODEL_NAME}@champion`, ctx.workspace);
    expect(alias.isMovable).toBe(true);
    expect(await alias.currentVersion()).toBe('1');
    expect(new ModelSource(`models:/${MODEL_NAME}/latest`, ctx.workspace).isMovable).toBe(true);
    expect(await new ModelSource(`models:/${MODEL_NAME}/latest`, ctx.workspace).currentVersion()).toBe('2');
    const fixed = new ModelSource(`models:/${MODEL_NAME}/2`, ctx.workspace);
    expect(fixed.isMovable).toBe(false);
    const loaded = await fixed.load();
    expect(loaded).toMatchObject({ version: '2', uri: `models:/${MODEL_NAME}/2` });
    expect(loaded.forward.labels).toEqual(['setosa', 'versicolor', 'virginica']);
    loaded.classifier.dispose();
  });

  it('needs a workspace for registry URIs and names a missing model directory', async () => {
    expect(() => new ModelSource('models:/m@champion', undefined)).toThrow('Model URI models:/m@champion needs a workspace to resolve it');
    const dir = await tempDir();
    await expect(new ModelSource('no-model', undefined, { baseDir: dir }).load()).rejects.toThrow(`Cannot read model file ${path.join(dir, 'no-model', 'MLmodel')}`);
  });
});
