import { describe, expect, it } from 'vitest';
import { recordHumanDecision } from '../../../src/stages/approve/record-human.js';
import { approvedVersions } from '../../helpers/registered-versions.js';
import { EXPERIMENT, MODEL_NAME, localStage } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { getOrCreateExperiment } from '../../../src/tracking/with-run.js';

const tempDir = useTempDirs();

describe('recordHumanDecision', () => {
  it('writes the tags, appends to the description and keeps a JSON record in the evaluation run', async () => {
    const { ctx } = await localStage(await tempDir(), { start: Date.UTC(2026, 0, 2, 3, 4, 5) });
    await approvedVersions(ctx, 1);
    const { tracking, registry } = ctx.workspace;
    const experiment = await getOrCreateExperiment(tracking, EXPERIMENT);
    const evaluationRun = await tracking.createRun({ experimentId: experiment.experimentId });
    await registry.setModelVersionTag(MODEL_NAME, '1', 'mlops.evaluation_run_id', evaluationRun.runId);
    await registry.updateModelVersion(MODEL_NAME, '1', { description: 'Approved on … by the rules' });

    const result = await recordHumanDecision(ctx.workspace, { name: MODEL_NAME, version: '1', decision: 'approved', by: ' carol ', comment: 'ok' }, { now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    expect(result).toEqual({
      model: { name: MODEL_NAME, version: '1', uri: `models:/${MODEL_NAME}/1` },
      decision: 'approved',
      by: 'carol',
      at: '2026-01-02T03:04:05.000Z',
      previous_status: 'approved',
      status: 'approved',
      is_champion: false,
    });
    const version = await registry.getModelVersion(MODEL_NAME, '1');
    expect(version.description).toBe('Approved on … by the rules\nApproved by carol on 2026-01-02T03:04:05.000Z: ok');
    const [record] = await tracking.listArtifacts(evaluationRun.runId, 'approval/human_decisions');
    expect(record!.path).toBe('approval/human_decisions/20260102T030405Z-approved.json');
    expect(JSON.parse(new TextDecoder().decode(await tracking.downloadArtifact(evaluationRun.runId, record!.path)))).toMatchObject({ decision: 'approved', by: 'carol', comment: 'ok' });
  });

  it('needs who decided, and an existing version', async () => {
    const { ctx } = await localStage(await tempDir());
    await approvedVersions(ctx, 1);
    await expect(recordHumanDecision(ctx.workspace, { name: MODEL_NAME, version: '1', decision: 'approved', by: '  ' }, { now: Date.now })).rejects.toThrow('needs the name of who made it (--by)');
    await expect(recordHumanDecision(ctx.workspace, { name: MODEL_NAME, version: '9', decision: 'approved', by: 'x' }, { now: Date.now })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
