import { MlopsError } from '../../errors.js';
import type { DeploymentSummary, ModelRef } from '../state.js';
import type { StageContext } from '../context.js';
import { planDeployment } from './plan.js';

export const CHAMPION_ALIAS = 'champion';
/** Version tag that remembers which version held the alias before this one, for rollback. */
export const PREVIOUS_CHAMPION_TAG = 'mlops.previous_champion';
/** Version tags set on a champion that `mlops rollback` replaced. */
export const ROLLED_BACK_AT_TAG = 'mlops.rolled_back_at';
export const ROLLED_BACK_TO_TAG = 'mlops.rolled_back_to';

/**
 * Moves the champion alias to an approved version. Refuses a version whose approval tag is not
 * `approved` (rejected, awaiting a human, or never evaluated) and one that was rolled back, so
 * nothing unapproved reaches production by this path. Deploying the champion again changes nothing.
 */
export async function runDeploy(ctx: StageContext, model: ModelRef): Promise<DeploymentSummary> {
  const { registry } = ctx.workspace;
  const options = { signal: ctx.signal };
  const version = await registry.getModelVersion(model.name, model.version, options);
  const approval = version.tags['mlops.approval_status'];
  if (approval !== 'approved') {
    const next = approval === 'pending_human_approval' ? `; a person must approve it first: mlops approve ${model.name} ${model.version} --by <you>` : '';
    throw new MlopsError(
      'REJECTED',
      `Model ${model.name} version ${model.version} is not approved (tag mlops.approval_status = ${approval ?? 'absent'}); it will not be deployed${next}`,
      { details: { name: model.name, version: model.version, approval } },
    );
  }
  const rolledBack = version.tags[ROLLED_BACK_AT_TAG];
  if (rolledBack) {
    throw new MlopsError(
      'REJECTED',
      `Model ${model.name} version ${model.version} was rolled back on ${rolledBack}; it will not be deployed again (train or import a new version)`,
      { details: { name: model.name, version: model.version, rolled_back_at: rolledBack } },
    );
  }
  const current = await currentChampion(ctx, model.name);
  const plan = planDeployment(model.version, current);
  if (plan.action === 'unchanged') {
    ctx.reporter.report({ type: 'log', stage: 'deploy', message: `${model.name} version ${model.version} is already ${CHAMPION_ALIAS}; nothing to do` });
    return { model, alias: CHAMPION_ALIAS, changed: false, previous_champion: version.tags[PREVIOUS_CHAMPION_TAG] };
  }
  // Record the predecessor before moving the alias: if we crash in between, the tag is harmless.
  if (plan.previous !== undefined) {
    await registry.setModelVersionTag(model.name, model.version, PREVIOUS_CHAMPION_TAG, plan.previous, options);
  }
  await registry.setAlias(model.name, CHAMPION_ALIAS, model.version, options);
  ctx.reporter.report({
    type: 'log',
    stage: 'deploy',
    message: `${CHAMPION_ALIAS} → ${model.name} version ${model.version}` + (plan.previous ? ` (was version ${plan.previous})` : ' (first champion)'),
  });
  return { model, alias: CHAMPION_ALIAS, changed: true, previous_champion: plan.previous };
}

export async function currentChampion(ctx: Pick<StageContext, 'workspace' | 'signal'>, name: string): Promise<string | undefined> {
  try {
    const v = await ctx.workspace.registry.getModelVersionByAlias(name, CHAMPION_ALIAS, { signal: ctx.signal });
    return v.version;
  } catch (error) {
    if (error instanceof MlopsError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}
