import { MlopsError } from '../../errors.js';

/** What deploying `candidate` means given who holds the alias now. */
export type DeploymentPlan =
  | { action: 'unchanged'; version: string }
  | { action: 'move'; version: string; previous: string | undefined };

export function planDeployment(candidate: string, currentChampion: string | undefined): DeploymentPlan {
  if (currentChampion === candidate) return { action: 'unchanged', version: candidate };
  return { action: 'move', version: candidate, previous: currentChampion };
}

export interface RollbackFacts {
  name: string;
  /** Who holds the champion alias now. */
  champion: string | undefined;
  /** The previous champion the current one recorded when it was deployed. */
  previous: string | undefined;
  /** The approval status tag of that previous version now; undefined if it no longer exists. */
  previousStatus: string | undefined;
  previousExists: boolean;
}

/** The alias move a rollback makes: champion → the version it replaced. Throws when there is none to restore. */
export function planRollback(facts: RollbackFacts): { from: string; to: string } {
  const { name, champion, previous } = facts;
  if (champion === undefined) {
    throw new MlopsError('NOT_FOUND', `Model ${name} has no champion alias, so there is nothing to roll back`, { details: { name } });
  }
  if (previous === undefined) {
    throw new MlopsError('NOT_FOUND', `Model ${name} version ${champion} was its first champion: there is no previous champion to restore`, {
      details: { name, champion },
    });
  }
  if (!facts.previousExists) {
    throw new MlopsError('NOT_FOUND', `Model ${name}: the previous champion, version ${previous}, no longer exists`, { details: { name, previous } });
  }
  if (facts.previousStatus !== 'approved') {
    throw new MlopsError(
      'REJECTED',
      `Model ${name}: the previous champion, version ${previous}, is no longer approved (mlops.approval_status = ${facts.previousStatus ?? 'absent'}); it will not be restored`,
      { details: { name, previous, status: facts.previousStatus } },
    );
  }
  return { from: champion, to: previous };
}
