import { describe, expect, it } from 'vitest';
import { approvedVersions } from '../../helpers/registered-versions.js';
import { cli, cliWorkspaceContext } from '../../helpers/cli-workspace.js';
import { MODEL_NAME } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('mlops approve', () => {
  it('records a human approval of a version waiting for one, and refuses to approve a rejected version (exit 3)', async () => {
    const cwd = await tempDir();
    const ctx = await cliWorkspaceContext(cwd);
    await approvedVersions(ctx, 2);
    const { registry } = ctx.workspace;
    await registry.setModelVersionTag(MODEL_NAME, '1', 'mlops.approval_status', 'pending_human_approval');
    await registry.setModelVersionTag(MODEL_NAME, '2', 'mlops.approval_status', 'rejected');

    const approved = await cli(['approve', MODEL_NAME, '1', '--by', 'alice@example.com', '--comment', 'looks good'], cwd);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`Approved ${MODEL_NAME} version 1 by alice@example.com (status pending_human_approval → approved)`);
    expect(approved.stdout).toContain(`mlops run model_deployment_job --json '{"model_name":"${MODEL_NAME}","model_version":"1"}'`);
    expect((await registry.getModelVersion(MODEL_NAME, '1')).tags).toMatchObject({
      'mlops.approval_status': 'approved',
      'mlops.human_approval': 'approved',
      'mlops.human_approval_by': 'alice@example.com',
      'mlops.human_approval_comment': 'looks good',
    });

    const refused = await cli(['approve', MODEL_NAME, '2', '--by', 'alice'], cwd);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('cannot be approved: the approval rules rejected it');
    expect((await registry.getModelVersion(MODEL_NAME, '2')).tags['mlops.human_approval']).toBeUndefined();

    const rejected = await cli(['approve', MODEL_NAME, '1', '--by', 'bob', '--reject', '-o', 'json'], cwd);
    expect(rejected.code).toBe(0);
    expect(JSON.parse(rejected.stdout)).toMatchObject({ decision: 'rejected', by: 'bob', previous_status: 'approved', status: 'rejected', is_champion: false });
  });

  it('needs a name, a numeric version and --by (exit 2), and says when the version does not exist (exit 1)', async () => {
    const cwd = await tempDir();
    expect((await cli(['approve', MODEL_NAME, '1'], cwd)).stderr).toContain('needs --by <who>');
    expect((await cli(['approve', MODEL_NAME, '1'], cwd)).code).toBe(2);
    expect((await cli(['approve', MODEL_NAME, 'one', '--by', 'x'], cwd)).code).toBe(2);
    expect((await cli(['approve', MODEL_NAME], cwd)).code).toBe(2);
    const missing = await cli(['approve', MODEL_NAME, '7', '--by', 'x'], cwd);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/main\.iris\.classifier/);
    expect((await cli(['approve', '--help'], cwd)).stdout).toContain('Usage: mlops approve <model-name> <version> --by <who>');
  });
});

describe('require_human_approval through the CLI', () => {
  it('holds a passing version at exit 3 until `mlops approve`, then model_deployment_job deploys it', async () => {
    const cwd = await tempDir();
    const held = await cli(['run', 'pipeline_job', '--var', 'require_human_approval=true', '--json', '{"epochs":"60"}', '-o', 'json', '--quiet'], cwd);
    expect(held.code, held.stderr).toBe(3);
    const result = JSON.parse(held.stdout);
    expect(result.status).toBe('rejected');
    expect(result.approval).toMatchObject({ status: 'rejected', awaiting: 'human_approval', wouldBe: 'approved' });
    const name = result.model.name as string;

    const approved = await cli(['approve', name, '1', '--by', 'alice'], cwd);
    expect(approved.code, approved.stderr).toBe(0);
    const deployed = await cli(['run', 'model_deployment_job', '--var', 'require_human_approval=true', '--json', '{"model_version":"1"}', '-o', 'json', '--quiet'], cwd);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(JSON.parse(deployed.stdout)).toMatchObject({ status: 'succeeded', approval: { status: 'approved', human: { by: 'alice' } }, deployment: { changed: true } });
  });
});
