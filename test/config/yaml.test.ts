import { describe, expect, it } from 'vitest';
import { parseYamlSource } from '../../src/config/yaml.js';
import { thrownMlopsError } from '../helpers/errors.js';

describe('parseYamlSource', () => {
  it('returns plain data', () => {
    const { data } = parseYamlSource('a: 1\nb: [x, y]\nc: { d: true }\n', 'f.yml');
    expect(data).toEqual({ a: 1, b: ['x', 'y'], c: { d: true } });
  });

  it('reports a syntax error with the file, line and column', () => {
    const error = thrownMlopsError(() => parseYamlSource('a: 1\nb: [1, 2\nc: 3\n', '/cfg/mlops.yml'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('/cfg/mlops.yml');
    expect(error.message).toMatch(/line 3, column 1/);
  });

  it('rejects duplicate keys, naming the line', () => {
    const error = thrownMlopsError(() => parseYamlSource('bundle:\n  name: a\n  name: b\n', 'dup.yml'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('dup.yml');
    expect(error.message).toMatch(/line 3, column 3/);
    expect(error.message).toMatch(/unique/);
  });

  it('finds the line of a key path, or of its deepest existing part', () => {
    const text = 'resources:\n  jobs:\n    x:\n      parameters:\n        - { name: a, default: 1 }\n        - name: b\n          default: 2\n';
    const { lineOf } = parseYamlSource(text, 'f.yml');
    expect(lineOf(['resources', 'jobs'])).toBe(2);
    expect(lineOf(['resources', 'jobs', 'x', 'parameters', 1, 'default'])).toBe(7);
    expect(lineOf(['resources', 'jobs', 'x', 'parameters', 0])).toBe(5);
    // A missing key points at the closest thing that exists.
    expect(lineOf(['resources', 'jobs', 'missing_job'])).toBe(2);
  });

  it('gives null data for an empty document', () => {
    expect(parseYamlSource('', 'empty.yml').data).toBeNull();
  });
});

describe('parseYamlSource error volume', () => {
  it('shows the first few syntax errors and hints at quoting ${...} inside flow mappings', () => {
    const text = 'a:\n  b: { root: /srv/${var.x} }\n  c: 1\n  d: { e: 2 }\n  f: [1]\n  g: h\n';
    const error = thrownMlopsError(() => parseYamlSource(text, 'f.yml'));
    expect(error.message).toContain('line 2');
    expect(error.message).toMatch(/\.\.\. and \d+ more/);
    expect(error.message).toContain('must be quoted');
    expect((error.details?.errors as unknown[]).length).toBeGreaterThan(5);
  });
});

describe('parseYamlSource error wording', () => {
  it('states each position once and gives no quoting hint when the value is quoted', () => {
    const error = thrownMlopsError(() => parseYamlSource('a: { b: "${var.x}" } }\n', 'f.yml'));
    expect(error.message.match(/line 1, column/g)).toHaveLength(1);
    expect(error.message).not.toContain('must be quoted');
  });
});
