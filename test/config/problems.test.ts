import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors.js';
import { configError, describeFound, formatKeyPath, ProblemList } from '../../src/config/problems.js';

describe('formatKeyPath', () => {
  it('joins keys with dots and writes indexes in brackets', () => {
    expect(formatKeyPath(['resources', 'jobs', 'model_training_job', 'parameters', 2, 'default'])).toBe(
      'resources.jobs.model_training_job.parameters[2].default',
    );
  });

  it('names the empty path', () => {
    expect(formatKeyPath([])).toBe('(top level)');
  });
});

describe('describeFound', () => {
  it('says what kind of value was found', () => {
    expect(describeFound(undefined)).toBe('nothing');
    expect(describeFound(null)).toBe('null');
    expect(describeFound([1, 2])).toBe('a list of 2');
    expect(describeFound({ a: 1 })).toBe('a mapping');
    expect(describeFound('0.9')).toBe('string "0.9"');
    expect(describeFound(3)).toBe('number 3');
    expect(describeFound(true)).toBe('boolean true');
  });

  it('shortens long strings', () => {
    const found = describeFound('x'.repeat(200));
    expect(found.length).toBeLessThan(80);
    expect(found).toContain('...');
  });
});

describe('ProblemList', () => {
  it('does nothing when empty', () => {
    const problems = new ProblemList();
    expect(problems.isEmpty).toBe(true);
    expect(() => problems.throwIfAny('mlops.yml')).not.toThrow();
  });

  it('throws one CONFIG_INVALID error naming the file, each key path, line, expectation and finding', () => {
    const problems = new ProblemList();
    problems.add(['approval', 'mode'], 'one of disabled, dry_run, enabled', 'string "on"');
    problems.add(['bundle', 'name'], 'a non-empty string', 'nothing');
    const lines: Record<string, number> = { 'approval,mode': 7 };
    let error: unknown;
    try {
      problems.throwIfAny('/tmp/x/mlops.yml', (path) => lines[path.join(',')]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MlopsError);
    const mlopsError = error as MlopsError;
    expect(mlopsError.code).toBe('CONFIG_INVALID');
    expect(mlopsError.message).toContain('/tmp/x/mlops.yml');
    expect(mlopsError.message).toContain('2 problems');
    expect(mlopsError.message).toContain(
      'approval.mode (line 7): expected one of disabled, dry_run, enabled, found string "on"',
    );
    expect(mlopsError.message).toContain('bundle.name: expected a non-empty string, found nothing');
    expect(mlopsError.details).toMatchObject({
      file: '/tmp/x/mlops.yml',
      problems: [{ key: 'approval.mode', line: 7 }, { key: 'bundle.name' }],
    });
  });

  it('writes a single problem on one line', () => {
    const error = configError('a.yml', [{ path: ['targets'], expected: 'a mapping', found: 'null' }]);
    expect(error.message).toBe('Invalid configuration in a.yml: targets: expected a mapping, found null');
  });
});
