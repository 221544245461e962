import type { ApprovalConfig, ApprovalMode, MetricThreshold } from '../../config/types.js';

export interface ThresholdCheck {
  metric: string;
  value: number | undefined;
  championValue: number | undefined;
  passed: boolean;
  /** Why the check passed or failed, in words a reviewer can read. */
  reason: string;
}

export interface ApprovalVerdict {
  /** approved: may be deployed; rejected: must never be deployed. */
  status: 'approved' | 'rejected';
  mode: ApprovalMode;
  /** In dry_run mode a failing check does not reject; this says what enabled mode would have decided. */
  wouldBe: 'approved' | 'rejected';
  checks: ThresholdCheck[];
  /** The failed checks' reasons; empty when every check passed. */
  reasons: string[];
}

export interface ApprovalInput {
  metrics: Record<string, number>;
  /** The current champion's metrics on the same evaluation set; absent when there is no champion. */
  championMetrics?: Record<string, number>;
  config: ApprovalConfig;
}

/** Decides whether a candidate may be deployed, like MLOps Stacks' validation thresholds. */
export function decideApproval(input: ApprovalInput): ApprovalVerdict {
  const { config } = input;
  if (config.mode === 'disabled') {
    return { status: 'approved', mode: 'disabled', wouldBe: 'approved', checks: [], reasons: [] };
  }
  const checks = Object.entries(config.thresholds).map(([metric, rule]) =>
    checkMetric(metric, rule, input.metrics[metric], input.championMetrics?.[metric]),
  );
  const reasons = checks.filter((c) => !c.passed).map((c) => c.reason);
  const wouldBe = reasons.length === 0 ? 'approved' : 'rejected';
  const status = config.mode === 'dry_run' ? 'approved' : wouldBe;
  return { status, mode: config.mode, wouldBe, checks, reasons };
}

function checkMetric(metric: string, rule: MetricThreshold, value: number | undefined, championValue: number | undefined): ThresholdCheck {
  const base = { metric, value, championValue };
  if (value === undefined || !Number.isFinite(value)) {
    return { ...base, passed: false, reason: `${metric}: the evaluation produced no finite value (found ${String(value)})` };
  }
  const better = rule.greaterIsBetter ? 'at least' : 'at most';
  if (rule.threshold !== undefined) {
    const ok = rule.greaterIsBetter ? value >= rule.threshold : value <= rule.threshold;
    if (!ok) {
      return { ...base, passed: false, reason: `${metric} = ${fmt(value)} must be ${better} ${fmt(rule.threshold)}` };
    }
  }
  const comparesToChampion = rule.minAbsoluteChange !== undefined || rule.minRelativeChange !== undefined;
  if (comparesToChampion && championValue !== undefined && Number.isFinite(championValue)) {
    // Positive when the candidate is better than the champion, whichever direction "better" is.
    const improvement = rule.greaterIsBetter ? value - championValue : championValue - value;
    if (rule.minAbsoluteChange !== undefined && improvement < rule.minAbsoluteChange) {
      return {
        ...base,
        passed: false,
        reason: `${metric} = ${fmt(value)} against champion ${fmt(championValue)}: improvement ${fmt(improvement)} is below min_absolute_change ${fmt(rule.minAbsoluteChange)}`,
      };
    }
    if (rule.minRelativeChange !== undefined) {
      const relative = championValue === 0 ? (improvement > 0 ? Infinity : 0) : improvement / Math.abs(championValue);
      if (relative < rule.minRelativeChange) {
        return {
          ...base,
          passed: false,
          reason: `${metric} = ${fmt(value)} against champion ${fmt(championValue)}: relative improvement ${fmt(relative)} is below min_relative_change ${fmt(rule.minRelativeChange)}`,
        };
      }
    }
  }
  const against = championValue !== undefined && comparesToChampion ? ` (champion ${fmt(championValue)})` : '';
  const limit = rule.threshold !== undefined ? `, ${better} ${fmt(rule.threshold)}` : '';
  return { ...base, passed: true, reason: `${metric} = ${fmt(value)}${limit}${against}` };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4).replace(/\.?0+$/, '');
}
