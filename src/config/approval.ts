import type { ApprovalConfig, ApprovalMode, MetricThreshold } from './types.js';
import { checkKeys, readBoolean, readMapping, readNumber, readOneOf } from './fields.js';
import type { KeyPath, ProblemList } from './problems.js';

export const APPROVAL_MODES: readonly ApprovalMode[] = ['disabled', 'dry_run', 'enabled'];

/** One metric rule as written; every field optional so a target can override just one. */
export interface RawThreshold {
  threshold?: number;
  greaterIsBetter?: boolean;
  minAbsoluteChange?: number;
  minRelativeChange?: number;
}

export interface RawApproval {
  mode?: ApprovalMode;
  /** null removes a metric that the top-level block defines (only meaningful in a target). */
  thresholds: Record<string, RawThreshold | null>;
}

const APPROVAL_KEYS = ['mode', 'thresholds'];
const THRESHOLD_KEYS = ['threshold', 'greater_is_better', 'min_absolute_change', 'min_relative_change'];

/** Reads an `approval:` block (top level or inside a target). */
export function readApproval(
  value: unknown,
  path: KeyPath,
  problems: ProblemList,
): RawApproval | undefined {
  const mapping = readMapping(value, path, problems);
  if (!mapping) return undefined;
  checkKeys(mapping, APPROVAL_KEYS, path, problems);

  const approval: RawApproval = { thresholds: {} };
  if (mapping.mode !== undefined) {
    const mode = readOneOf(mapping.mode, APPROVAL_MODES, [...path, 'mode'], problems);
    if (mode) approval.mode = mode;
  }
  if (mapping.thresholds !== undefined && mapping.thresholds !== null) {
    const thresholdsPath = [...path, 'thresholds'];
    const thresholds = readMapping(mapping.thresholds, thresholdsPath, problems, 'a mapping of metric name to rule');
    for (const [metric, rule] of Object.entries(thresholds ?? {})) {
      if (rule === null) {
        approval.thresholds[metric] = null;
        continue;
      }
      const parsed = readThreshold(rule, [...thresholdsPath, metric], problems);
      if (parsed) approval.thresholds[metric] = parsed;
    }
  }
  return approval;
}

function readThreshold(value: unknown, path: KeyPath, problems: ProblemList): RawThreshold | undefined {
  const mapping = readMapping(
    value,
    path,
    problems,
    'a mapping with threshold, greater_is_better, min_absolute_change or min_relative_change',
  );
  if (!mapping) return undefined;
  checkKeys(mapping, THRESHOLD_KEYS, path, problems);
  const rule: RawThreshold = {};
  if (mapping.threshold !== undefined) {
    const threshold = readNumber(mapping.threshold, [...path, 'threshold'], problems);
    if (threshold !== undefined) rule.threshold = threshold;
  }
  if (mapping.greater_is_better !== undefined) {
    const greater = readBoolean(mapping.greater_is_better, [...path, 'greater_is_better'], problems);
    if (greater !== undefined) rule.greaterIsBetter = greater;
  }
  // Changes are measured in the better direction, so a negative minimum would approve regressions.
  if (mapping.min_absolute_change !== undefined) {
    const change = readNumber(mapping.min_absolute_change, [...path, 'min_absolute_change'], problems, { min: 0 });
    if (change !== undefined) rule.minAbsoluteChange = change;
  }
  if (mapping.min_relative_change !== undefined) {
    const change = readNumber(mapping.min_relative_change, [...path, 'min_relative_change'], problems, { min: 0 });
    if (change !== undefined) rule.minRelativeChange = change;
  }
  return rule;
}

/**
 * The approval rules for one target: the target's block merged over the top-level one,
 * field by field within each metric, so a target can tighten one threshold and keep the rest.
 */
export function mergeApproval(
  base: RawApproval | undefined,
  override: RawApproval | undefined,
  paths: { base: KeyPath; override: KeyPath },
  problems: ProblemList,
): ApprovalConfig {
  const mode = override?.mode ?? base?.mode ?? 'enabled';
  const thresholds: Record<string, MetricThreshold> = {};
  const metrics = new Set([
    ...Object.keys(base?.thresholds ?? {}),
    ...Object.keys(override?.thresholds ?? {}),
  ]);
  for (const metric of metrics) {
    const overridden = override !== undefined && Object.hasOwn(override.thresholds, metric);
    const overrideRule = overridden ? override.thresholds[metric] : undefined;
    if (overridden && overrideRule === null) continue;
    const baseRule = base?.thresholds[metric] ?? undefined;
    const merged: RawThreshold = { ...baseRule, ...overrideRule };
    if (
      merged.threshold === undefined &&
      merged.minAbsoluteChange === undefined &&
      merged.minRelativeChange === undefined
    ) {
      const path = overridden ? paths.override : paths.base;
      problems.add(
        [...path, 'thresholds', metric],
        'at least one of threshold, min_absolute_change, min_relative_change',
        'a rule that checks nothing',
      );
      continue;
    }
    thresholds[metric] = {
      ...(merged.threshold === undefined ? {} : { threshold: merged.threshold }),
      ...(merged.minAbsoluteChange === undefined ? {} : { minAbsoluteChange: merged.minAbsoluteChange }),
      ...(merged.minRelativeChange === undefined ? {} : { minRelativeChange: merged.minRelativeChange }),
      // MLflow's MetricThreshold also defaults to higher-is-better.
      greaterIsBetter: merged.greaterIsBetter ?? true,
    };
  }
  return { mode, thresholds };
}
