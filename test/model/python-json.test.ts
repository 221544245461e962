import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PythonFloat, pythonFloatRepr, pythonJsonDumps } from '../../src/model/python-json.js';

describe('pythonFloatRepr', () => {
  it('matches repr() of Python floats', () => {
    // Expected strings are what CPython 3.11 prints for repr(float(x)).
    const cases: [number, string][] = [
      [7, '7.0'],
      [5.1, '5.1'],
      [0.1 + 0.2, '0.30000000000000004'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1.5e-7, '1.5e-07'],
      [1e15, '1000000000000000.0'],
      [1e16, '1e+16'],
      [1.2345678901234568e17, '1.2345678901234568e+17'],
      [1.5e300, '1.5e+300'],
      [5e-324, '5e-324'],
      [-2.5, '-2.5'],
      [-0, '-0.0'],
      [0, '0.0'],
      [123456789.123, '123456789.123'],
      [Number.NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [-Infinity, '-Infinity'],
    ];
    for (const [value, expected] of cases) expect(pythonFloatRepr(value)).toBe(expected);
  });
});

describe('pythonJsonDumps', () => {
  it('uses json.dumps default separators, escapes and literals', () => {
    // json.dumps({"a": [1, 2.5, None, True, False], "b": "é\n\"\\", "c": {}, "d": []})
    expect(pythonJsonDumps({ a: [1, 2.5, null, true, false], b: 'é\n"\\', c: {}, d: [] })).toBe(
      '{"a": [1, 2.5, null, true, false], "b": "\\u00e9\\n\\"\\\\", "c": {}, "d": []}',
    );
  });

  it('escapes characters outside printable ASCII as UTF-16 units', () => {
    expect(pythonJsonDumps('😀\u007f\u0001\t')).toBe('"\\ud83d\\ude00\\u007f\\u0001\\t"');
  });

  it('writes marked floats as floats and leaves out undefined keys', () => {
    expect(pythonJsonDumps({ x: [new PythonFloat(7), 7], skipped: undefined })).toBe('{"x": [7.0, 7]}');
    expect(pythonJsonDumps(1e21)).toBe('1000000000000000000000');
  });

  it('reproduces an input_example.json that MLflow wrote, byte for byte', () => {
    const expected = readFileSync(new URL('../fixtures/model/mlflow-2.12.2/mlp-h8/input_example.json', import.meta.url), 'utf8');
    const example = {
      columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
      data: [
        [5.1, 3.5, 1.4, 0.2],
        [7.0, 3.2, 4.7, 1.4],
        [6.3, 3.3, 6.0, 2.5],
      ].map((row) => row.map((value) => new PythonFloat(value))),
    };
    expect(pythonJsonDumps(example)).toBe(expected);
  });
});
