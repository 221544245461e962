import { describe, expect, it } from 'vitest';
import { ProblemList } from '../../src/config/problems.js';
import { resolveVariables } from '../../src/config/variables.js';
import type { VariableLayers } from '../../src/config/variables.js';

const bundle = { name: 'b', target: 'dev' };

function layers(overrides: Partial<VariableLayers>): VariableLayers {
  return {
    declared: { catalog_name: { default: 'from_default' } },
    target: {},
    targetName: 'dev',
    env: {},
    overrides: {},
    ...overrides,
  };
}

describe('resolveVariables precedence', () => {
  const cases: [string, Partial<VariableLayers>, string][] = [
    ['default', {}, 'from_default'],
    ['target over default', { target: { catalog_name: 'from_target' } }, 'from_target'],
    [
      'BUNDLE_VAR_ over target',
      { target: { catalog_name: 'from_target' }, env: { BUNDLE_VAR_catalog_name: 'from_env' } },
      'from_env',
    ],
    [
      '--var over BUNDLE_VAR_',
      {
        target: { catalog_name: 'from_target' },
        env: { BUNDLE_VAR_catalog_name: 'from_env' },
        overrides: { catalog_name: 'from_cli' },
      },
      'from_cli',
    ],
    ['an empty BUNDLE_VAR_ still counts as set', { env: { BUNDLE_VAR_catalog_name: '' } }, ''],
  ];
  for (const [name, given, expected] of cases) {
    it(name, () => {
      const problems = new ProblemList();
      expect(resolveVariables(layers(given), bundle, problems)).toEqual({ catalog_name: expected });
      expect(problems.isEmpty).toBe(true);
    });
  }

  it('ignores BUNDLE_VAR_ entries for undeclared variables and other environment variables', () => {
    const problems = new ProblemList();
    const result = resolveVariables(layers({ env: { BUNDLE_VAR_other: 'x', catalog_name: 'y' } }), bundle, problems);
    expect(result).toEqual({ catalog_name: 'from_default' });
    expect(problems.isEmpty).toBe(true);
  });
});

describe('resolveVariables problems', () => {
  it('names an unknown --var', () => {
    const problems = new ProblemList();
    resolveVariables(layers({ overrides: { catalg_name: 'x' } }), bundle, problems);
    expect(problems.problems).toHaveLength(1);
    expect(problems.problems[0]?.path).toEqual(['--var catalg_name']);
    expect(problems.problems[0]?.found).toBe('unknown variable "catalg_name"');
    expect(problems.problems[0]?.expected).toContain('catalog_name');
  });

  it('names a variable that has no value anywhere, and every place a value could come from', () => {
    const problems = new ProblemList();
    resolveVariables(layers({ declared: { warehouse: {} }, targetName: 'prod' }), bundle, problems);
    expect(problems.problems).toHaveLength(1);
    expect(problems.problems[0]?.path).toEqual(['variables', 'warehouse']);
    expect(problems.problems[0]?.expected).toContain('BUNDLE_VAR_warehouse');
    expect(problems.problems[0]?.expected).toContain('targets.prod.variables.warehouse');
  });
});

describe('resolveVariables references', () => {
  it('expands references to other variables and to the bundle', () => {
    const problems = new ProblemList();
    const result = resolveVariables(
      layers({
        declared: {
          environment: { default: 'dev' },
          schema_name: { default: 'iris_${var.environment}' },
          experiment: { default: '/Shared/${bundle.name}/${bundle.target}/${var.schema_name}' },
        },
        overrides: { environment: 'qa' },
      }),
      bundle,
      problems,
    );
    expect(problems.problems).toEqual([]);
    expect(result).toEqual({ environment: 'qa', schema_name: 'iris_qa', experiment: '/Shared/b/dev/iris_qa' });
  });

  it('reports a cycle instead of looping', () => {
    const problems = new ProblemList();
    resolveVariables(
      layers({ declared: { a: { default: '${var.b}' }, b: { default: '${var.a}' } } }),
      bundle,
      problems,
    );
    expect(problems.problems).toHaveLength(1);
    expect(problems.problems[0]?.found).toBe('the cycle a -> b -> a');
    expect(problems.problems[0]?.path).toEqual(['variables', 'a', 'default']);
  });

  it('reports an unknown reference at the layer that supplied the value', () => {
    const problems = new ProblemList();
    resolveVariables(layers({ target: { catalog_name: '${var.nope}' } }), bundle, problems);
    expect(problems.problems).toHaveLength(1);
    expect(problems.problems[0]?.path).toEqual(['targets', 'dev', 'variables', 'catalog_name']);
    expect(problems.problems[0]?.found).toBe('unknown reference ${var.nope}');
  });

  it('does not pile a second problem on a reference to a variable that has no value', () => {
    const problems = new ProblemList();
    resolveVariables(layers({ declared: { a: {}, b: { default: 'x-${var.a}' } } }), bundle, problems);
    expect(problems.problems.map((p) => p.path)).toEqual([['variables', 'a']]);
  });
});
