import type { ApprovalConfig, ApprovalMode, MetricThreshold } from '../../config/types.js';

export interface ThresholdCheck {
  metric: string;
  value: number | undefined;
  championValue: number | undefined;
  passed: boolean;
  /** Why the check passed or failed, in words a reviewer can read. */
  reason: string;
}

/** A person's decision on a version, recorded with `mlops approve`. */
export interface HumanDecision {
  decision: 'approved' | 'rejected';
  by: string;
  /** ISO time of the decision. */
  at: string;
  comment?: string;
}

export interface ApprovalVerdict {
  /** approved: may be deployed; rejected: must not be deployed (now, or ever when the rules or a person rejected it). */
  status: 'approved' | 'rejected';
  mode: ApprovalMode;
  /** In dry_run mode a failing check does not reject; this says what enabled mode would have decided. */
  wouldBe: 'approved' | 'rejected';
  checks: ThresholdCheck[];
  /** Why the version is (or in dry_run would be) not approved: failed checks, a person's rejection, a missing human approval. */
  reasons: string[];
  /** Set when the rules passed but a human approval is required and not yet given. */
  awaiting?: 'human_approval';
  /** The human decision on record, when there is one. */
  human?: HumanDecision;
}

export interface ApprovalInput {
  metrics: Record<string, number>;
  /** The current champion's metrics on the same evaluation set; absent when there is no champion. */
  championMetrics?: Record<string, number>;
  config: ApprovalConfig;
  /** A person's decision already recorded on the version. */
  human?: HumanDecision;
  /** When true, passing the rules is not enough: a person must approve too. */
  requireHumanApproval?: boolean;
}

/**
 * Decides whether a candidate may be deployed, like MLOps Stacks' validation thresholds, with an
 * optional human gate: a person's rejection always rejects (whatever the mode), and when a
 * human approval is required a version that passes the rules waits for one.
 */
export function decideApproval(input: ApprovalInput): ApprovalVerdict {
  const { config, human } = input;
  const withHuman = human ? { human } : {};
  const checks =
    config.mode === 'disabled'
      ? []
      : Object.entries(config.thresholds).map(([metric, rule]) => checkMetric(metric, rule, input.metrics[metric], input.championMetrics?.[metric]));
  const failed = checks.filter((c) => !c.passed).map((c) => c.reason);
  const wouldBe = failed.length === 0 ? 'approved' : 'rejected';
  const rulesStatus = config.mode === 'enabled' ? wouldBe : 'approved';
  const base = { mode: config.mode, wouldBe, checks, ...withHuman } as const;
  if (human?.decision === 'rejected') {
    const byHuman = `rejected by ${human.by} on ${human.at}${human.comment ? `: ${human.comment}` : ''}`;
    return { ...base, status: 'rejected', reasons: [byHuman, ...(rulesStatus === 'rejected' ? failed : [])] };
  }
  if (rulesStatus === 'rejected') return { ...base, status: 'rejected', reasons: failed };
  if (input.requireHumanApproval && human?.decision !== 'approved') {
    return { ...base, status: 'rejected', awaiting: 'human_approval', reasons: ['awaiting human approval (require_human_approval is true)'] };
  }
  // In dry_run the failed checks stay listed as reasons: what enabled mode would have said.
  return { ...base, status: 'approved', reasons: failed };
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
