import { MlopsError } from '../../errors.js';
import type { Workspace } from '../../workspace/types.js';
import { CHAMPION_ALIAS, PREVIOUS_CHAMPION_TAG, ROLLED_BACK_AT_TAG, ROLLED_BACK_TO_TAG, currentChampion } from './deploy.js';
import { planRollback } from './plan.js';

export interface RollbackResult {
  name: string;
  alias: string;
  /** The version that was champion and no longer is. */
  from: string;
  /** The restored champion. */
  to: string;
}

/**
 * `mlops rollback <name>`: gives the champion alias back to the version the current champion
 * replaced (recorded at deployment), provided that version is still approved. The replaced
 * version is tagged as rolled back, and deployment refuses it from then on. Rolling back again
 * goes one more step back, as far as the recorded chain reaches.
 */
export async function runRollback(workspace: Workspace, name: string, options: { now: () => number; signal?: AbortSignal }): Promise<RollbackResult> {
  const call = options.signal ? { signal: options.signal } : {};
  const { registry } = workspace;
  const champion = await currentChampion({ workspace, ...call }, name);
  const championVersion = champion === undefined ? undefined : await registry.getModelVersion(name, champion, call);
  const previous = championVersion?.tags[PREVIOUS_CHAMPION_TAG];
  let previousVersion;
  if (previous !== undefined) {
    try {
      previousVersion = await registry.getModelVersion(name, previous, call);
    } catch (error) {
      if (!(error instanceof MlopsError && error.code === 'NOT_FOUND')) throw error;
    }
  }
  const plan = planRollback({
    name,
    champion,
    previous,
    previousExists: previousVersion !== undefined,
    previousStatus: previousVersion?.tags['mlops.approval_status'],
  });
  const at = new Date(options.now()).toISOString();
  // Tag first, then move: a crash in between leaves the old champion serving and a harmless tag.
  await registry.setModelVersionTag(name, plan.from, ROLLED_BACK_TO_TAG, plan.to, call);
  await registry.setModelVersionTag(name, plan.from, ROLLED_BACK_AT_TAG, at, call);
  await registry.setAlias(name, CHAMPION_ALIAS, plan.to, call);
  return { name, alias: CHAMPION_ALIAS, from: plan.from, to: plan.to };
}
