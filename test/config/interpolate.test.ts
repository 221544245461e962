import { describe, expect, it } from 'vitest';
import { bundleScope, interpolate, referencesIn } from '../../src/config/interpolate.js';
import { ProblemList } from '../../src/config/problems.js';

const scope = bundleScope('hp-mlops-e2e', 'dev', { catalog_name: 'main', schema_name: 'iris', 'with-dash': 'd' });

describe('interpolate', () => {
  it('replaces variable and bundle references, several per string', () => {
    const problems = new ProblemList();
    expect(
      interpolate('/Volumes/${var.catalog_name}/${var.schema_name}/${bundle.name}-${bundle.target}', scope, ['k'], problems),
    ).toBe('/Volumes/main/iris/hp-mlops-e2e-dev');
    expect(interpolate('${var.with-dash}', scope, ['k'], problems)).toBe('d');
    expect(problems.isEmpty).toBe(true);
  });

  it('leaves text that is not a reference alone', () => {
    const problems = new ProblemList();
    expect(interpolate('$HOME ${1:-x} ${ var.catalog_name } $ {x}', scope, ['k'], problems)).toBe(
      '$HOME ${1:-x} ${ var.catalog_name } $ {x}',
    );
    expect(problems.isEmpty).toBe(true);
  });

  it('records each unknown reference at the key path and lists the known ones', () => {
    const problems = new ProblemList();
    const path = ['resources', 'jobs', 'model_training_job', 'parameters', 2, 'default'];
    const result = interpolate('${var.catalg_name}.${workspace.host}', scope, path, problems);
    expect(result).toBe('${var.catalg_name}.${workspace.host}');
    expect(problems.problems).toHaveLength(2);
    expect(problems.problems[0]).toMatchObject({ path, found: 'unknown reference ${var.catalg_name}' });
    expect(problems.problems[0]?.expected).toContain('${var.catalog_name}');
    expect(problems.problems[0]?.expected).toContain('${bundle.target}');
    expect(problems.problems[1]?.found).toBe('unknown reference ${workspace.host}');
  });

  it('does not resolve inherited object properties as variables', () => {
    const problems = new ProblemList();
    interpolate('${var.constructor}', scope, ['k'], problems);
    expect(problems.problems).toHaveLength(1);
  });
});

describe('referencesIn', () => {
  it('lists references in order', () => {
    expect(referencesIn('a ${var.x} b ${bundle.name} ${nope')).toEqual(['var.x', 'bundle.name']);
  });
});
