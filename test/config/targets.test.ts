import { describe, expect, it } from 'vitest';
import { ProblemList } from '../../src/config/problems.js';
import { readTargets, selectTarget } from '../../src/config/targets.js';
import type { RawTarget } from '../../src/config/targets.js';

const declared = ['catalog_name', 'environment'];

describe('readTargets', () => {
  it('reads every field of a target', () => {
    const problems = new ProblemList();
    const targets = readTargets(
      {
        dev: { default: true, mode: 'development', workspace: { root: '.mlops' }, variables: { environment: 'dev' } },
        prod: {
          mode: 'production',
          workspace: { host: 'https://h' },
          variables: { catalog_name: { default: 'main' }, environment: 7 },
          approval: { mode: 'dry_run' },
          tracking_uri: 'databricks',
        },
      },
      declared,
      problems,
    );
    expect(problems.problems).toEqual([]);
    expect(targets).toEqual({
      dev: { isDefault: true, mode: 'development', workspace: { root: '.mlops' }, variables: { environment: 'dev' } },
      prod: {
        isDefault: false,
        mode: 'production',
        workspace: { host: 'https://h' },
        variables: { catalog_name: 'main', environment: '7' },
        approval: { mode: 'dry_run', thresholds: {} },
        trackingUri: 'databricks',
      },
    });
  });

  it('records problems with their key paths', () => {
    const problems = new ProblemList();
    readTargets(
      {
        dev: { default: 'yes', mode: 'staging', variables: { catalg_name: 'x' }, schedule: 1 },
      },
      declared,
      problems,
    );
    const byKey = Object.fromEntries(problems.problems.map((p) => [p.path.join('.'), p]));
    expect(Object.keys(byKey).sort()).toEqual([
      'targets.dev.default',
      'targets.dev.mode',
      'targets.dev.schedule',
      'targets.dev.variables.catalg_name',
      'targets.dev.workspace',
    ]);
    expect(byKey['targets.dev.variables.catalg_name']?.expected).toContain('catalog_name, environment');
    expect(byKey['targets.dev.mode']?.expected).toBe('one of development, production');
  });

  it('requires at least one target', () => {
    const problems = new ProblemList();
    readTargets({}, declared, problems);
    readTargets(undefined, declared, problems);
    expect(problems.problems.map((p) => p.found)).toEqual(['an empty mapping', 'nothing']);
  });
});

describe('selectTarget', () => {
  const target = (isDefault: boolean): RawTarget => ({ isDefault, variables: {}, workspace: { root: '.' } });

  it('uses the requested target, else the one marked default', () => {
    const problems = new ProblemList();
    expect(selectTarget({ dev: target(true), prod: target(false) }, 'prod', problems)).toBe('prod');
    expect(selectTarget({ dev: target(false), prod: target(true) }, undefined, problems)).toBe('prod');
    expect(problems.isEmpty).toBe(true);
  });

  it('rejects an unknown target, listing the known ones', () => {
    const problems = new ProblemList();
    expect(selectTarget({ dev: target(true), prod: target(false) }, 'staging', problems)).toBeUndefined();
    expect(problems.problems).toEqual([
      { path: ['targets', 'staging'], expected: 'one of the targets dev, prod', found: 'unknown target "staging"' },
    ]);
  });

  it('rejects no default and several defaults when no target is requested', () => {
    const none = new ProblemList();
    selectTarget({ dev: target(false), prod: target(false) }, undefined, none);
    expect(none.problems[0]?.found).toBe('none marked default among dev, prod');
    const several = new ProblemList();
    selectTarget({ dev: target(true), prod: target(true) }, undefined, several);
    expect(several.problems[0]?.found).toBe('several marked default: dev, prod');
    expect(several.problems[0]?.path).toEqual(['targets']);
  });
});
