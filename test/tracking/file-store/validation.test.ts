import { describe, expect, it } from 'vitest';
import {
  normaliseVersion,
  pathNotUnique,
  pythonNormpath,
  validateAlias,
  validateArtifactPath,
  validateExperimentId,
  validateKey,
  validateMetric,
  validateModelName,
  validateRunId,
  validateValueLength,
} from '../../../src/tracking/file-store/validation.js';
import { thrownCode } from '../../helpers/errors.js';

describe('pythonNormpath', () => {
  it.each([
    ['', '.'],
    ['a/b', 'a/b'],
    ['a/', 'a'],
    ['a//b', 'a/b'],
    ['./a', 'a'],
    ['a/../b', 'b'],
    ['../a', '../a'],
    ['/a/../..', '/'],
    ['//a', '//a'],
    ['///a', '/a'],
  ])('normalises %j to %j like posixpath.normpath', (input, expected) => {
    expect(pythonNormpath(input)).toBe(expected);
  });

  it('flags names that would be another path', () => {
    expect(pathNotUnique('loss')).toBe(false);
    expect(pathNotUnique('train/loss')).toBe(false);
    expect(pathNotUnique('a/../loss')).toBe(true);
    expect(pathNotUnique('/loss')).toBe(true);
    expect(pathNotUnique('.')).toBe(true);
  });
});

describe('validateKey', () => {
  it.each(['accuracy', 'train/loss', 'f1 macro', 'mlflow.runName', 'a-b_c.d', 'genauigkeit_ä'])('accepts %j', (key) => {
    expect(thrownCode(() => validateKey('metric', key))).toBeUndefined();
  });

  it.each(['', '..', '../x', 'a/../b', '/abs', 'a//b', 'trailing/', 'bad:char', 'semi;colon', 'x'.repeat(251)])('rejects %j', (key) => {
    expect(thrownCode(() => validateKey('tag', key))).toBe('INVALID_ARGUMENT');
  });

  it('names the kind of key in the message', () => {
    expect(() => validateKey('param', '../lr')).toThrow(/Invalid parameter name '..\/lr'/);
  });
});

describe('ids, names, versions and aliases', () => {
  it('checks run and experiment ids', () => {
    expect(thrownCode(() => validateRunId('172a088977b348f4832d36e46b8c758a'))).toBeUndefined();
    expect(thrownCode(() => validateRunId('../etc'))).toBe('INVALID_ARGUMENT');
    expect(thrownCode(() => validateExperimentId('468338213620039538'))).toBeUndefined();
    expect(thrownCode(() => validateExperimentId('.trash'))).toBe('INVALID_ARGUMENT');
  });

  it('allows dotted model names but no separators, % or dot folders', () => {
    expect(thrownCode(() => validateModelName('cat.schema.model'))).toBeUndefined();
    for (const name of ['', 'a/b', 'a\\b', '50%', '.', '..']) expect(thrownCode(() => validateModelName(name))).toBe('INVALID_ARGUMENT');
  });

  it('reserves latest and v<N> alias names', () => {
    expect(thrownCode(() => validateAlias('champion'))).toBeUndefined();
    for (const alias of ['', 'Latest', 'v2', 'V10', 'has space', 'a.b']) expect(thrownCode(() => validateAlias(alias))).toBe('INVALID_ARGUMENT');
  });

  it('normalises versions to the folder number', () => {
    expect(normaliseVersion('2')).toBe('2');
    expect(normaliseVersion(' 02 ')).toBe('2');
    expect(normaliseVersion(3)).toBe('3');
    expect(thrownCode(() => normaliseVersion('two'))).toBe('INVALID_ARGUMENT');
    expect(thrownCode(() => normaliseVersion('1.5'))).toBe('INVALID_ARGUMENT');
  });

  it('checks metric values, timestamps and steps', () => {
    expect(thrownCode(() => validateMetric({ key: 'm', value: NaN, timestamp: 0, step: -1 }))).toBeUndefined();
    expect(thrownCode(() => validateMetric({ key: 'm', value: 1, timestamp: -1, step: 0 }))).toBe('INVALID_ARGUMENT');
    expect(thrownCode(() => validateMetric({ key: 'm', value: 1, timestamp: 1.5, step: 0 }))).toBe('INVALID_ARGUMENT');
    expect(thrownCode(() => validateMetric({ key: 'm', value: 1, timestamp: 1, step: 0.5 }))).toBe('INVALID_ARGUMENT');
    expect(thrownCode(() => validateMetric({ key: 'm', value: '1' as unknown as number, timestamp: 1, step: 0 }))).toBe('INVALID_ARGUMENT');
  });

  it('limits value lengths', () => {
    expect(thrownCode(() => validateValueLength('Tag x', 'a'.repeat(5000), 5000))).toBeUndefined();
    expect(() => validateValueLength('Tag x', 'a'.repeat(5001), 5000)).toThrow(/Tag x has length 5001, over MLflow's limit of 5000/);
  });
});

describe('validateArtifactPath', () => {
  it('accepts nested relative paths and strips a trailing slash', () => {
    expect(validateArtifactPath('model/MLmodel', { allowRoot: false })).toBe('model/MLmodel');
    expect(validateArtifactPath('model/', { allowRoot: true })).toBe('model');
    expect(validateArtifactPath('', { allowRoot: true })).toBe('');
  });

  it.each(['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a\\b', 'C:/x'])('rejects %j', (path) => {
    expect(thrownCode(() => validateArtifactPath(path, { allowRoot: true }))).toBe('INVALID_ARGUMENT');
  });

  it('needs a file name when writing', () => {
    expect(thrownCode(() => validateArtifactPath('', { allowRoot: false }))).toBe('INVALID_ARGUMENT');
  });
});
