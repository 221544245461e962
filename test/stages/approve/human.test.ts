import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../../src/errors.js';
import { humanDecisionFromTags, parseRequireHumanApproval, planHumanDecision } from '../../../src/stages/approve/human.js';

const approve = { decision: 'approved' as const, by: 'alice', at: '2026-01-02T03:04:05.000Z' };
const reject = { decision: 'rejected' as const, by: 'bob', at: '2026-01-02T03:04:05.000Z', comment: 'drift' };

describe('planHumanDecision', () => {
  it('completes a version that waits for a human, status last', () => {
    const plan = planHumanDecision('v1', { 'mlops.approval_status': 'pending_human_approval' }, approve);
    expect(plan.status).toBe('approved');
    expect(Object.entries(plan.tags)).toEqual([
      ['mlops.human_approval', 'approved'],
      ['mlops.human_approval_by', 'alice'],
      ['mlops.human_approval_at', '2026-01-02T03:04:05.000Z'],
      ['mlops.human_approval_comment', ''],
      ['mlops.approval_status', 'approved'],
    ]);
  });

  it('adds a sign-off to an approved version and records one ahead of evaluation without inventing a status', () => {
    expect(planHumanDecision('v1', { 'mlops.approval_status': 'approved' }, approve)).toMatchObject({ status: 'approved' });
    const early = planHumanDecision('v1', {}, approve);
    expect(early.status).toBeUndefined();
    expect(early.tags).not.toHaveProperty('mlops.approval_status');
  });

  it('always lets a person reject, and never approve what was rejected', () => {
    expect(planHumanDecision('v1', { 'mlops.approval_status': 'approved' }, reject)).toMatchObject({ status: 'rejected', tags: { 'mlops.human_approval_comment': 'drift' } });
    try {
      planHumanDecision('Model m version 1', { 'mlops.approval_status': 'rejected', 'mlops.human_approval': 'rejected', 'mlops.human_approval_by': 'bob', 'mlops.human_approval_at': 'yesterday' }, approve);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MlopsError);
      expect((error as MlopsError).code).toBe('REJECTED');
      expect((error as MlopsError).message).toBe(
        'Model m version 1 cannot be approved: bob rejected it on yesterday, and a rejected version is never deployed. Train or import a new version instead.',
      );
    }
  });
});

describe('humanDecisionFromTags', () => {
  it('reads the decision back, and nothing from unrelated tags', () => {
    expect(humanDecisionFromTags({ 'mlops.human_approval': 'rejected', 'mlops.human_approval_by': 'bob', 'mlops.human_approval_at': 't', 'mlops.human_approval_comment': 'drift' })).toEqual({
      decision: 'rejected',
      by: 'bob',
      at: 't',
      comment: 'drift',
    });
    expect(humanDecisionFromTags({ 'mlops.approval_status': 'approved' })).toBeUndefined();
  });
});

describe('parseRequireHumanApproval', () => {
  it('reads true/false spellings and refuses anything else naming the variable', () => {
    expect([undefined, '', 'false', 'No', '0'].map(parseRequireHumanApproval)).toEqual([false, false, false, false, false]);
    expect(['true', 'YES', '1'].map(parseRequireHumanApproval)).toEqual([true, true, true]);
    expect(() => parseRequireHumanApproval('maybe')).toThrow('Variable require_human_approval must be true or false, got "maybe"');
  });
});
