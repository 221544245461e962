import { MlopsError } from '../../errors.js';
import type { HumanDecision } from './decide.js';
import { APPROVAL_STATUS, APPROVAL_STATUS_TAG, HUMAN_TAGS } from './tags.js';

/** The human decision recorded in a version's tags, if any. */
export function humanDecisionFromTags(tags: Readonly<Record<string, string>>): HumanDecision | undefined {
  const decision = tags[HUMAN_TAGS.decision];
  if (decision !== 'approved' && decision !== 'rejected') return undefined;
  const comment = tags[HUMAN_TAGS.comment];
  return { decision, by: tags[HUMAN_TAGS.by] ?? 'unknown', at: tags[HUMAN_TAGS.at] ?? 'unknown', ...(comment ? { comment } : {}) };
}

export interface HumanDecisionPlan {
  /** Version tags to write, the status (when it changes) last. */
  tags: Record<string, string>;
  /** The approval status after the decision; undefined when the version has not been evaluated yet. */
  status: string | undefined;
}

/**
 * What recording a person's decision changes. Rejecting always works and makes the version
 * rejected. Approving completes a version that waits for a human (pending → approved), adds a
 * sign-off to an approved one, and is recorded ahead of evaluation for one never evaluated;
 * but a version the rules (or a person) rejected stays rejected: REJECTED, nothing written.
 */
export function planHumanDecision(versionLabel: string, tags: Readonly<Record<string, string>>, decision: HumanDecision): HumanDecisionPlan {
  const current = tags[APPROVAL_STATUS_TAG];
  const written: Record<string, string> = {
    [HUMAN_TAGS.decision]: decision.decision,
    [HUMAN_TAGS.by]: decision.by,
    [HUMAN_TAGS.at]: decision.at,
    [HUMAN_TAGS.comment]: decision.comment ?? '',
  };
  if (decision.decision === 'rejected') return { tags: { ...written, [APPROVAL_STATUS_TAG]: APPROVAL_STATUS.rejected }, status: APPROVAL_STATUS.rejected };
  if (current === APPROVAL_STATUS.rejected) {
    const previous = humanDecisionFromTags(tags);
    const why = previous?.decision === 'rejected' ? `${previous.by} rejected it on ${previous.at}` : 'the approval rules rejected it';
    throw new MlopsError('REJECTED', `${versionLabel} cannot be approved: ${why}, and a rejected version is never deployed. Train or import a new version instead.`, {
      details: { status: current },
    });
  }
  if (current === APPROVAL_STATUS.pendingHuman) return { tags: { ...written, [APPROVAL_STATUS_TAG]: APPROVAL_STATUS.approved }, status: APPROVAL_STATUS.approved };
  return { tags: written, status: current };
}

/** `true`/`false` (also 1/0, yes/no; empty is false) from a variable value. */
export function parseRequireHumanApproval(value: string | undefined): boolean {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === 'false' || text === '0' || text === 'no') return false;
  if (text === 'true' || text === '1' || text === 'yes') return true;
  throw new MlopsError('CONFIG_INVALID', `Variable require_human_approval must be true or false, got ${JSON.stringify(value)}`, {
    details: { key: 'variables.require_human_approval', found: value },
  });
}
