import { describe, expect, it } from 'vitest';
import { runDeploy } from '../../../src/stages/deploy/deploy.js';
import { approvedVersions } from '../../helpers/registered-versions.js';
import { cli, cliWorkspaceContext } from '../../helpers/cli-workspace.js';
import { MODEL_NAME } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('mlops rollback', () => {
  it('restores the previous champion, then says when there is none left', async () => {
    const cwd = await tempDir();
    const ctx = await cliWorkspaceContext(cwd);
    await approvedVersions(ctx, 2);
    for (const version of ['1', '2']) await runDeploy(ctx, { name: MODEL_NAME, version, uri: `models:/${MODEL_NAME}/${version}` });

    const first = await cli(['rollback', MODEL_NAME], cwd);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`champion of ${MODEL_NAME}: version 2 → version 1 (version 2 is marked rolled back and will not be deployed again)\n`);
    expect((await ctx.workspace.registry.getRegisteredModel(MODEL_NAME)).aliases).toEqual({ champion: '1' });

    const second = await cli(['rollback', MODEL_NAME, '-o', 'json'], cwd);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('version 1 was its first champion');
    expect((await cli(['rollback'], cwd)).code).toBe(2);
  });
});
