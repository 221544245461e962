import { describe, expect, it } from 'vitest';
import {
  checkKeys,
  isMapping,
  readBoolean,
  readMapping,
  readNonEmptyString,
  readNumber,
  readOneOf,
  readScalarAsString,
  readString,
} from '../../src/config/fields.js';
import { ProblemList } from '../../src/config/problems.js';

describe('field readers', () => {
  it('accept the right type without recording anything', () => {
    const problems = new ProblemList();
    expect(readMapping({ a: 1 }, ['x'], problems)).toEqual({ a: 1 });
    expect(readString('s', ['x'], problems)).toBe('s');
    expect(readNonEmptyString('s', ['x'], problems)).toBe('s');
    expect(readBoolean(false, ['x'], problems)).toBe(false);
    expect(readNumber(0.5, ['x'], problems)).toBe(0.5);
    expect(readNumber(0, ['x'], problems, { min: 0 })).toBe(0);
    expect(readOneOf('b', ['a', 'b'] as const, ['x'], problems)).toBe('b');
    expect(problems.isEmpty).toBe(true);
  });

  it('record the key path, the expectation and what was found', () => {
    const problems = new ProblemList();
    expect(readMapping([1], ['m'], problems)).toBeUndefined();
    expect(readString(3, ['s'], problems)).toBeUndefined();
    expect(readNonEmptyString('  ', ['e'], problems)).toBeUndefined();
    expect(readBoolean('yes', ['b'], problems)).toBeUndefined();
    expect(readNumber('0.9', ['n'], problems)).toBeUndefined();
    expect(readNumber(-1, ['p'], problems, { min: 0 })).toBeUndefined();
    expect(readNumber(Number.NaN, ['nan'], problems)).toBeUndefined();
    expect(readOneOf('on', ['disabled', 'enabled'] as const, ['o'], problems)).toBeUndefined();
    expect(problems.problems).toEqual([
      { path: ['m'], expected: 'a mapping', found: 'a list of 1' },
      { path: ['s'], expected: 'a string', found: 'number 3' },
      { path: ['e'], expected: 'a non-empty string', found: 'string "  "' },
      { path: ['b'], expected: 'true or false', found: 'string "yes"' },
      { path: ['n'], expected: 'a number', found: 'string "0.9"' },
      { path: ['p'], expected: 'a number >= 0', found: 'number -1' },
      { path: ['nan'], expected: 'a number', found: 'number NaN' },
      { path: ['o'], expected: 'one of disabled, enabled', found: 'string "on"' },
    ]);
  });

  it('stringify YAML numbers and booleans but not null or structures', () => {
    const problems = new ProblemList();
    expect(readScalarAsString(200, ['a'], problems)).toBe('200');
    expect(readScalarAsString(0.05, ['a'], problems)).toBe('0.05');
    expect(readScalarAsString(true, ['a'], problems)).toBe('true');
    expect(readScalarAsString('', ['a'], problems)).toBe('');
    expect(problems.isEmpty).toBe(true);
    expect(readScalarAsString(null, ['d'], problems)).toBeUndefined();
    expect(readScalarAsString({}, ['e'], problems)).toBeUndefined();
    expect(problems.problems.map((p) => p.path)).toEqual([['d'], ['e']]);
    expect(problems.problems[0]?.expected).toContain('""');
  });

  it('checkKeys names each unknown key and lists the allowed ones', () => {
    const problems = new ProblemList();
    checkKeys({ name: 1, nmae: 2 }, ['name', 'parameters'], ['resources', 'jobs', 'x'], problems);
    expect(problems.problems).toEqual([
      {
        path: ['resources', 'jobs', 'x', 'nmae'],
        expected: 'one of the keys name, parameters',
        found: 'unknown key "nmae"',
      },
    ]);
  });

  it('isMapping excludes null and lists', () => {
    expect(isMapping({})).toBe(true);
    expect(isMapping(null)).toBe(false);
    expect(isMapping([])).toBe(false);
  });
});
