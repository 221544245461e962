import { MlopsError } from '../../errors.js';
import type { DeploymentSummary, ModelRef } from '../../pipeline/state.js';
import type { StageContext } from '../context.js';
import { planDeployment } from './plan.js';

export const CHAMPION_ALIAS = 'champion';
/** Version tag that remembers which version held the alias before this one, for rollback. */
export const PREVIOUS_CHAMPION_TAG = 'mlops.previous_champion';

/**
 * Moves the champion alias to an approved version. Refuses a version whose approval tag says
 * rejected (or that was never approved), so nothing unapproved reaches production by this path.
 */
export async function runDeploy(ctx: StageContext, model: ModelRef): Promise<DeploymentSummary> {
  const { registry } = ctx.workspace;
  const options = { signal: ctx.signal };
  const version = await registry.getModelVersion(model.name, model.version, options);
  const approval = version.tags['mlops.approval_status'];
  if (approval !== 'approved') {
    throw new MlopsError(
      'REJECTED',
      `Model ${model.name} version ${model.version} is not approved (tag mlops.approval_status = ${approval ?? 'absent'}); it will not be deployed`,
      { details: { name: model.name, version: model.version, approval } },
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

export async function currentChampion(ctx: StageContext, name: string): Promise<string | undefined> {
  try {
    const v = await ctx.workspace.registry.getModelVersionByAlias(name, CHAMPION_ALIAS, { signal: ctx.signal });
    return v.version;
  } catch (error) {
    if (error instanceof MlopsError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}
