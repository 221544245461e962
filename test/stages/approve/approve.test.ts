import { describe, expect, it } from 'vitest';
import type { ApprovalConfig } from '../../../src/config/types.js';
import { runApprove, VERDICT_ARTIFACT } from '../../../src/stages/approve/approve.js';
import { recordHumanDecision } from '../../../src/stages/approve/record-human.js';
import { runDeploy } from '../../../src/stages/deploy/deploy.js';
import { runEvaluate } from '../../../src/stages/evaluate/evaluate.js';
import { runTrain } from '../../../src/stages/train/train.js';
import { EXPERIMENT, MODEL_NAME, ingestIris, localStage, trainParams } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function evaluatedVersion(options: { approval?: ApprovalConfig; variables?: Record<string, string> } = {}) {
  const stage = await localStage(await tempDir(), options);
  await ingestIris(stage.ctx);
  const trained = await runTrain(stage.ctx, trainParams({ epochs: '30' }));
  const evaluation = await runEvaluate(stage.ctx, { model: trained.model, experimentPath: EXPERIMENT });
  return { ...stage, trained, evaluation };
}

describe('runApprove', () => {
  it('records an approval as a verdict.json artifact, version tags and the version description', async () => {
    const { ctx, evaluation } = await evaluatedVersion();
    const { verdict } = await runApprove(ctx, evaluation);
    expect(verdict.status).toBe('approved');

    const { registry, tracking } = ctx.workspace;
    const record = JSON.parse(new TextDecoder().decode(await tracking.downloadArtifact(evaluation.run_id, VERDICT_ARTIFACT)));
    expect(record).toMatchObject({
      model_name: MODEL_NAME,
      model_version: '1',
      status: 'approved',
      status_tag: 'approved',
      mode: 'enabled',
      evaluation_run_id: evaluation.run_id,
      dataset_digest: evaluation.dataset_digest,
      checks: [{ metric: 'accuracy', passed: true }],
    });
    const version = await registry.getModelVersion(MODEL_NAME, '1');
    expect(version.tags).toMatchObject({
      'mlops.approval_status': 'approved',
      'mlops.approval_mode': 'enabled',
      'mlops.evaluation_run_id': evaluation.run_id,
    });
    expect(version.tags['mlops.approval_reasons']).toMatch(/^accuracy = (1|0\.\d+), at least 0\.8$/);
    expect(version.description).toMatch(/^Approved on \d{4}-\d\d-\d\dT.*\(dev, mode enabled\): accuracy = /);
    expect((await tracking.getRun(evaluation.run_id)).data.tags['mlops.approval_status']).toBe('approved');
  });

  it('rejects below a threshold with the reason in the tags, and the version cannot be deployed', async () => {
    const { ctx, evaluation } = await evaluatedVersion({ approval: { mode: 'enabled', thresholds: { accuracy: { threshold: 1.01, greaterIsBetter: true } } } });
    const { verdict } = await runApprove(ctx, evaluation);
    expect(verdict.status).toBe('rejected');
    const version = await ctx.workspace.registry.getModelVersion(MODEL_NAME, '1');
    expect(version.tags['mlops.approval_status']).toBe('rejected');
    expect(version.tags['mlops.approval_reasons']).toMatch(/accuracy = .* must be at least 1\.01/);
    expect(version.description).toMatch(/^Rejected on /);
    await expect(runDeploy(ctx, evaluation.model)).rejects.toMatchObject({ code: 'REJECTED' });
    // A person cannot approve what the rules rejected.
    await expect(recordHumanDecision(ctx.workspace, { name: MODEL_NAME, version: '1', decision: 'approved', by: 'alice' }, { now: ctx.now })).rejects.toThrow(
      /cannot be approved: the approval rules rejected it/,
    );
  });

  it('with require_human_approval, waits for `mlops approve`, then approves on the next evaluation and deploys', async () => {
    const { ctx, evaluation } = await evaluatedVersion({ variables: { require_human_approval: 'true' } });
    const first = await runApprove(ctx, evaluation);
    expect(first.verdict).toMatchObject({ status: 'rejected', awaiting: 'human_approval', wouldBe: 'approved' });
    const { registry } = ctx.workspace;
    expect((await registry.getModelVersion(MODEL_NAME, '1')).tags['mlops.approval_status']).toBe('pending_human_approval');
    await expect(runDeploy(ctx, evaluation.model)).rejects.toThrow(/a person must approve it first: mlops approve main\.iris\.classifier 1 --by <you>/);

    const decision = await recordHumanDecision(ctx.workspace, { name: MODEL_NAME, version: '1', decision: 'approved', by: 'alice@example.com', comment: 'checked the confusion matrix' }, { now: ctx.now });
    expect(decision).toMatchObject({ previous_status: 'pending_human_approval', status: 'approved', is_champion: false });
    const version = await registry.getModelVersion(MODEL_NAME, '1');
    expect(version.tags).toMatchObject({ 'mlops.approval_status': 'approved', 'mlops.human_approval': 'approved', 'mlops.human_approval_by': 'alice@example.com', 'mlops.human_approval_comment': 'checked the confusion matrix' });
    expect(version.description).toMatch(/\nApproved by alice@example\.com on .*: checked the confusion matrix$/);
    const records = await ctx.workspace.tracking.listArtifacts(evaluation.run_id, 'approval/human_decisions');
    expect(records).toHaveLength(1);

    // Re-running the deployment job evaluates and approves again: this time the human approval is on record.
    const again = await runApprove(ctx, await runEvaluate(ctx, { model: evaluation.model, experimentPath: EXPERIMENT }));
    expect(again.verdict).toMatchObject({ status: 'approved', human: { decision: 'approved', by: 'alice@example.com' } });
    expect((await runDeploy(ctx, evaluation.model)).changed).toBe(true);
  });

  it('lets a person reject a version whatever the rules say, for good', async () => {
    const { ctx, evaluation } = await evaluatedVersion({ approval: { mode: 'disabled', thresholds: {} } });
    await runApprove(ctx, evaluation);
    await runDeploy(ctx, evaluation.model);
    const decision = await recordHumanDecision(ctx.workspace, { name: MODEL_NAME, version: '1', decision: 'rejected', by: 'bob', comment: 'bias found' }, { now: ctx.now });
    expect(decision).toMatchObject({ previous_status: 'approved', status: 'rejected', is_champion: true });
    const { verdict } = await runApprove(ctx, evaluation);
    expect(verdict.status).toBe('rejected');
    expect(verdict.reasons[0]).toMatch(/^rejected by bob on .*: bias found$/);
    await expect(runDeploy(ctx, evaluation.model)).rejects.toMatchObject({ code: 'REJECTED' });
  });
});
