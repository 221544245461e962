import { describe, expect, it } from 'vitest';
import { CHAMPION_ALIAS, runDeploy } from '../../../src/stages/deploy/deploy.js';
import { approvedVersions } from '../../helpers/registered-versions.js';
import { MODEL_NAME, localStage } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const ref = (version: string) => ({ name: MODEL_NAME, version, uri: `models:/${MODEL_NAME}/${version}` });

describe('runDeploy', () => {
  it('moves the champion alias, records the previous champion, and changes nothing when deployed twice', async () => {
    const { ctx } = await localStage(await tempDir());
    await approvedVersions(ctx, 2);
    const { registry } = ctx.workspace;

    expect(await runDeploy(ctx, ref('1'))).toMatchObject({ changed: true, previous_champion: undefined, alias: CHAMPION_ALIAS });
    const second = await runDeploy(ctx, ref('2'));
    expect(second).toMatchObject({ changed: true, previous_champion: '1' });
    expect((await registry.getRegisteredModel(MODEL_NAME)).aliases).toEqual({ [CHAMPION_ALIAS]: '2' });
    expect((await registry.getModelVersion(MODEL_NAME, '2')).tags['mlops.previous_champion']).toBe('1');

    const before = JSON.stringify([await registry.getRegisteredModel(MODEL_NAME), await registry.listModelVersions(MODEL_NAME)]);
    const again = await runDeploy(ctx, ref('2'));
    expect(again).toMatchObject({ changed: false, previous_champion: '1' });
    const after = JSON.stringify([await registry.getRegisteredModel(MODEL_NAME), await registry.listModelVersions(MODEL_NAME)]);
    expect(after).toBe(before);
  });

  it('refuses a version that is not approved, saying what to do when it awaits a person', async () => {
    const { ctx } = await localStage(await tempDir());
    await approvedVersions(ctx, 1);
    const { registry } = ctx.workspace;
    for (const [status, message] of [
      ['rejected', /is not approved \(tag mlops\.approval_status = rejected\); it will not be deployed$/],
      ['pending_human_approval', /a person must approve it first: mlops approve main\.iris\.classifier 1 --by <you>/],
    ] as const) {
      await registry.setModelVersionTag(MODEL_NAME, '1', 'mlops.approval_status', status);
      await expect(runDeploy(ctx, ref('1'))).rejects.toMatchObject({ code: 'REJECTED', message: expect.stringMatching(message) });
    }
    await registry.deleteModelVersionTag(MODEL_NAME, '1', 'mlops.approval_status');
    await expect(runDeploy(ctx, ref('1'))).rejects.toThrow(/mlops\.approval_status = absent/);
    expect((await registry.getRegisteredModel(MODEL_NAME)).aliases).toEqual({});
  });
});
