import { describe, expect, it } from 'vitest';
import { mergeApproval, readApproval } from '../../src/config/approval.js';
import { ProblemList } from '../../src/config/problems.js';

const paths = { base: ['approval'], override: ['targets', 'prod', 'approval'] };

describe('readApproval', () => {
  it('reads mode and snake_case rule fields', () => {
    const problems = new ProblemList();
    const approval = readApproval(
      {
        mode: 'dry_run',
        thresholds: {
          accuracy: { threshold: 0.9, greater_is_better: true, min_absolute_change: 0, min_relative_change: 0.01 },
          log_loss: { threshold: 0.5, greater_is_better: false },
        },
      },
      ['approval'],
      problems,
    );
    expect(problems.problems).toEqual([]);
    expect(approval).toEqual({
      mode: 'dry_run',
      thresholds: {
        accuracy: { threshold: 0.9, greaterIsBetter: true, minAbsoluteChange: 0, minRelativeChange: 0.01 },
        log_loss: { threshold: 0.5, greaterIsBetter: false },
      },
    });
  });

  it('rejects a mode outside the three, naming the key path', () => {
    const problems = new ProblemList();
    readApproval({ mode: 'on' }, ['targets', 'dev', 'approval'], problems);
    expect(problems.problems).toEqual([
      { path: ['targets', 'dev', 'approval', 'mode'], expected: 'one of disabled, dry_run, enabled', found: 'string "on"' },
    ]);
  });

  it('rejects thresholds that are not numbers, and negative minimum changes', () => {
    const problems = new ProblemList();
    readApproval(
      { thresholds: { accuracy: { threshold: '0.9', min_absolute_change: -0.1, greater_is_better: 'yes' } } },
      ['approval'],
      problems,
    );
    expect(problems.problems).toEqual([
      { path: ['approval', 'thresholds', 'accuracy', 'threshold'], expected: 'a number', found: 'string "0.9"' },
      { path: ['approval', 'thresholds', 'accuracy', 'greater_is_better'], expected: 'true or false', found: 'string "yes"' },
      {
        path: ['approval', 'thresholds', 'accuracy', 'min_absolute_change'],
        expected: 'a number >= 0',
        found: 'number -0.1',
      },
    ]);
  });

  it('rejects unknown keys and a rule that is not a mapping', () => {
    const problems = new ProblemList();
    readApproval({ mod: 'enabled', thresholds: { accuracy: 0.9 } }, ['approval'], problems);
    expect(problems.problems.map((p) => p.path)).toEqual([
      ['approval', 'mod'],
      ['approval', 'thresholds', 'accuracy'],
    ]);
  });
});

describe('mergeApproval', () => {
  const base = {
    mode: 'enabled' as const,
    thresholds: {
      accuracy: { threshold: 0.9, greaterIsBetter: true },
      f1_macro: { threshold: 0.9, greaterIsBetter: true },
    },
  };

  it('merges a target rule over the top-level one field by field, keeping other metrics', () => {
    const problems = new ProblemList();
    const merged = mergeApproval(
      base,
      { thresholds: { accuracy: { threshold: 0.95, minAbsoluteChange: 0 } } },
      paths,
      problems,
    );
    expect(problems.problems).toEqual([]);
    expect(merged).toEqual({
      mode: 'enabled',
      thresholds: {
        accuracy: { threshold: 0.95, minAbsoluteChange: 0, greaterIsBetter: true },
        f1_macro: { threshold: 0.9, greaterIsBetter: true },
      },
    });
  });

  it('lets a target change the mode, add a metric and remove one with null', () => {
    const problems = new ProblemList();
    const merged = mergeApproval(
      base,
      { mode: 'disabled', thresholds: { f1_macro: null, log_loss: { threshold: 0.3, greaterIsBetter: false } } },
      paths,
      problems,
    );
    expect(merged.mode).toBe('disabled');
    expect(Object.keys(merged.thresholds).sort()).toEqual(['accuracy', 'log_loss']);
    expect(merged.thresholds.log_loss).toEqual({ threshold: 0.3, greaterIsBetter: false });
  });

  it('defaults to enabled with no rules, and to greater-is-better', () => {
    const problems = new ProblemList();
    expect(mergeApproval(undefined, undefined, paths, problems)).toEqual({ mode: 'enabled', thresholds: {} });
    expect(
      mergeApproval({ thresholds: { accuracy: { threshold: 0.5 } } }, undefined, paths, problems).thresholds.accuracy,
    ).toEqual({ threshold: 0.5, greaterIsBetter: true });
  });

  it('rejects a rule that checks nothing, at the block that defined it', () => {
    const problems = new ProblemList();
    mergeApproval(
      { thresholds: { accuracy: { greaterIsBetter: true } } },
      { thresholds: { recall: { greaterIsBetter: false } } },
      paths,
      problems,
    );
    expect(problems.problems.map((p) => p.path)).toEqual([
      ['approval', 'thresholds', 'accuracy'],
      ['targets', 'prod', 'approval', 'thresholds', 'recall'],
    ]);
  });
});
