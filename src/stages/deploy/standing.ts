import type { ModelVersion } from '../../tracking/types.js';
import { APPROVAL_STATUS, APPROVAL_STATUS_TAG, HUMAN_TAGS } from '../approve/tags.js';
import { CHAMPION_ALIAS, PREVIOUS_CHAMPION_TAG, ROLLED_BACK_AT_TAG, ROLLED_BACK_TO_TAG } from './deploy.js';

/** Where a model version stands now, from the registry's aliases and tags alone. */
export interface VersionStanding {
  /** champion: holds the alias; previous_champion: what `mlops rollback` would give the alias back to. */
  role: 'champion' | 'previous_champion' | 'rolled_back' | undefined;
  /** The approval as it stands: by the rules, by a person, waiting for one, or never judged. */
  approval: 'approved' | 'rejected' | 'pending_human_approval' | 'not_evaluated';
  /** Who decided, when a person did. */
  decidedBy?: string;
  rolledBackTo?: string;
  rolledBackAt?: string;
  /** One line for people, e.g. "champion · approved by alice". */
  text: string;
}

/**
 * Pure: the standing of every version of one model. A version rolled back is never "approved" for
 * deployment again, whatever its approval tag says, so the roll-back comes first in its text.
 */
export function versionStandings(versions: readonly Pick<ModelVersion, 'version' | 'aliases' | 'tags'>[]): Map<string, VersionStanding> {
  const champion = versions.find((v) => v.aliases.includes(CHAMPION_ALIAS));
  const previous = champion?.tags[PREVIOUS_CHAMPION_TAG];
  const standings = new Map<string, VersionStanding>();
  for (const v of versions) {
    const rolledBackAt = v.tags[ROLLED_BACK_AT_TAG];
    const role: VersionStanding['role'] =
      v === champion ? 'champion' : rolledBackAt ? 'rolled_back' : previous !== undefined && v.version === previous ? 'previous_champion' : undefined;
    const human = v.tags[HUMAN_TAGS.decision];
    const by = human === undefined ? undefined : v.tags[HUMAN_TAGS.by];
    const status = v.tags[APPROVAL_STATUS_TAG];
    const approval: VersionStanding['approval'] =
      human === 'rejected' || status === APPROVAL_STATUS.rejected
        ? 'rejected'
        : status === APPROVAL_STATUS.pendingHuman
          ? 'pending_human_approval'
          : status === APPROVAL_STATUS.approved || human === 'approved'
            ? 'approved'
            : 'not_evaluated';
    const approvalText = {
      approved: by && human === 'approved' ? `approved by ${by}` : 'approved',
      rejected: by && human === 'rejected' ? `rejected by ${by}` : 'rejected',
      pending_human_approval: 'awaiting human approval',
      not_evaluated: 'not evaluated',
    }[approval];
    const rolledBackTo = v.tags[ROLLED_BACK_TO_TAG];
    const roleText = {
      champion: 'champion',
      previous_champion: 'previous champion',
      rolled_back: `rolled back${rolledBackTo ? ` (champion went back to ${rolledBackTo})` : ''}`,
    };
    standings.set(v.version, {
      role,
      approval,
      ...(by ? { decidedBy: by } : {}),
      ...(rolledBackAt ? { rolledBackAt } : {}),
      ...(rolledBackTo ? { rolledBackTo } : {}),
      text: role === undefined ? approvalText : `${roleText[role]} · ${approvalText}`,
    });
  }
  return standings;
}
