import { describe, expect, it } from 'vitest';
import type { ApprovalConfig } from '../../../src/config/types.js';
import { decideApproval } from '../../../src/stages/approve/decide.js';

const enabled = (thresholds: ApprovalConfig['thresholds']): ApprovalConfig => ({ mode: 'enabled', thresholds });

describe('decideApproval', () => {
  it('approves when every absolute threshold is met', () => {
    const v = decideApproval({
      metrics: { accuracy: 0.95, log_loss: 0.2 },
      config: enabled({ accuracy: { threshold: 0.9, greaterIsBetter: true }, log_loss: { threshold: 0.5, greaterIsBetter: false } }),
    });
    expect(v.status).toBe('approved');
    expect(v.reasons).toEqual([]);
    expect(v.checks.map((c) => c.passed)).toEqual([true, true]);
  });

  it('rejects below a threshold and says which metric, value and limit', () => {
    const v = decideApproval({ metrics: { accuracy: 0.8 }, config: enabled({ accuracy: { threshold: 0.9, greaterIsBetter: true } }) });
    expect(v.status).toBe('rejected');
    expect(v.reasons).toEqual(['accuracy = 0.8 must be at least 0.9']);
  });

  it('treats lower-is-better metrics the other way round', () => {
    const v = decideApproval({ metrics: { log_loss: 0.7 }, config: enabled({ log_loss: { threshold: 0.5, greaterIsBetter: false } }) });
    expect(v.status).toBe('rejected');
    expect(v.reasons[0]).toContain('at most 0.5');
  });

  it('rejects a metric the evaluation did not produce', () => {
    const v = decideApproval({ metrics: {}, config: enabled({ f1_macro: { threshold: 0.1, greaterIsBetter: true } }) });
    expect(v.status).toBe('rejected');
    expect(v.reasons[0]).toContain('f1_macro');
  });

  it('compares against the champion with min_absolute_change', () => {
    const config = enabled({ accuracy: { greaterIsBetter: true, minAbsoluteChange: 0.01 } });
    expect(decideApproval({ metrics: { accuracy: 0.95 }, championMetrics: { accuracy: 0.945 }, config }).status).toBe('rejected');
    expect(decideApproval({ metrics: { accuracy: 0.96 }, championMetrics: { accuracy: 0.945 }, config }).status).toBe('approved');
  });

  it('compares against the champion with min_relative_change, lower is better', () => {
    const config = enabled({ log_loss: { greaterIsBetter: false, minRelativeChange: 0.1 } });
    // 0.2 → 0.19 is a 5% improvement: not enough; 0.2 → 0.17 is 15%.
    expect(decideApproval({ metrics: { log_loss: 0.19 }, championMetrics: { log_loss: 0.2 }, config }).status).toBe('rejected');
    expect(decideApproval({ metrics: { log_loss: 0.17 }, championMetrics: { log_loss: 0.2 }, config }).status).toBe('approved');
  });

  it('skips champion rules when there is no champion yet', () => {
    const config = enabled({ accuracy: { greaterIsBetter: true, minAbsoluteChange: 0.5 } });
    expect(decideApproval({ metrics: { accuracy: 0.5 }, config }).status).toBe('approved');
  });

  it('dry_run approves but reports what enabled mode would decide', () => {
    const v = decideApproval({ metrics: { accuracy: 0.5 }, config: { mode: 'dry_run', thresholds: { accuracy: { threshold: 0.9, greaterIsBetter: true } } } });
    expect(v.status).toBe('approved');
    expect(v.wouldBe).toBe('rejected');
    expect(v.reasons).toHaveLength(1);
  });

  it('disabled mode approves without checks', () => {
    const v = decideApproval({ metrics: { accuracy: 0 }, config: { mode: 'disabled', thresholds: { accuracy: { threshold: 0.9, greaterIsBetter: true } } } });
    expect(v).toMatchObject({ status: 'approved', checks: [], mode: 'disabled' });
  });

  it('rejects whatever the rules say once a person has rejected, even in disabled mode', () => {
    const human = { decision: 'rejected' as const, by: 'bob', at: '2026-01-01T00:00:00.000Z', comment: 'leaks a feature' };
    const v = decideApproval({ metrics: { accuracy: 1 }, config: { mode: 'disabled', thresholds: {} }, human });
    expect(v).toMatchObject({ status: 'rejected', human, reasons: ['rejected by bob on 2026-01-01T00:00:00.000Z: leaks a feature'] });
  });

  it('waits for a person when human approval is required, and approves once one has', () => {
    const config = enabled({ accuracy: { threshold: 0.9, greaterIsBetter: true } });
    const waiting = decideApproval({ metrics: { accuracy: 0.95 }, config, requireHumanApproval: true });
    expect(waiting).toMatchObject({ status: 'rejected', awaiting: 'human_approval', wouldBe: 'approved' });
    const human = { decision: 'approved' as const, by: 'alice', at: 't' };
    expect(decideApproval({ metrics: { accuracy: 0.95 }, config, requireHumanApproval: true, human })).toMatchObject({ status: 'approved', human });
    // A human approval does not overrule failed rules.
    const failing = decideApproval({ metrics: { accuracy: 0.5 }, config, requireHumanApproval: true, human });
    expect(failing.status).toBe('rejected');
    expect(failing.awaiting).toBeUndefined();
    expect(failing.reasons).toEqual(['accuracy = 0.5 must be at least 0.9']);
  });
});
