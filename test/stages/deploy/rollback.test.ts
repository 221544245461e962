import { describe, expect, it } from 'vitest';
import { recordHumanDecision } from '../../../src/stages/approve/record-human.js';
import { CHAMPION_ALIAS, runDeploy } from '../../../src/stages/deploy/deploy.js';
import { runRollback } from '../../../src/stages/deploy/rollback.js';
import { approvedVersions } from '../../helpers/registered-versions.js';
import { MODEL_NAME, localStage } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const ref = (version: string) => ({ name: MODEL_NAME, version, uri: `models:/${MODEL_NAME}/${version}` });

describe('runRollback', () => {
  it('restores the previous champion step by step, and the rolled-back version is not redeployed', async () => {
    const { ctx } = await localStage(await tempDir());
    await approvedVersions(ctx, 3);
    for (const v of ['1', '2', '3']) await runDeploy(ctx, ref(v));
    const { registry } = ctx.workspace;
    const champion = async () => (await registry.getRegisteredModel(MODEL_NAME)).aliases[CHAMPION_ALIAS];

    expect(await runRollback(ctx.workspace, MODEL_NAME, { now: ctx.now })).toEqual({ name: MODEL_NAME, alias: CHAMPION_ALIAS, from: '3', to: '2' });
    expect(await champion()).toBe('2');
    const rolled = await registry.getModelVersion(MODEL_NAME, '3');
    expect(rolled.tags['mlops.rolled_back_to']).toBe('2');
    expect(rolled.tags['mlops.rolled_back_at']).toMatch(/^\d{4}-\d\d-\d\dT/);
    await expect(runDeploy(ctx, ref('3'))).rejects.toMatchObject({ code: 'REJECTED', message: expect.stringContaining('was rolled back on') });

    expect(await runRollback(ctx.workspace, MODEL_NAME, { now: ctx.now })).toMatchObject({ from: '2', to: '1' });
    expect(await champion()).toBe('1');
    await expect(runRollback(ctx.workspace, MODEL_NAME, { now: ctx.now })).rejects.toThrow('version 1 was its first champion: there is no previous champion to restore');
    expect(await champion()).toBe('1');
  });

  it('will not restore a previous champion that a person has since rejected', async () => {
    const { ctx } = await localStage(await tempDir());
    await approvedVersions(ctx, 2);
    await runDeploy(ctx, ref('1'));
    await runDeploy(ctx, ref('2'));
    await recordHumanDecision(ctx.workspace, { name: MODEL_NAME, version: '1', decision: 'rejected', by: 'carol' }, { now: ctx.now });
    await expect(runRollback(ctx.workspace, MODEL_NAME, { now: ctx.now })).rejects.toMatchObject({ code: 'REJECTED' });
    expect((await ctx.workspace.registry.getRegisteredModel(MODEL_NAME)).aliases[CHAMPION_ALIAS]).toBe('2');
  });

  it('says when the model has no champion', async () => {
    const { ctx } = await localStage(await tempDir());
    await approvedVersions(ctx, 1);
    await expect(runRollback(ctx.workspace, MODEL_NAME, { now: ctx.now })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('has no champion alias') });
  });
});
