import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatMetricLine,
  formatPythonFloat,
  latestMetric,
  parseMetricFile,
  parsePythonFloat,
} from '../../../src/tracking/file-store/metrics-format.js';
import type { Metric } from '../../../src/tracking/types.js';
import { thrownMlopsError } from '../../helpers/errors.js';
import { FIXTURE_ROOT, SERVER } from './fixture-helpers.js';

describe('formatPythonFloat', () => {
  // Right-hand sides are Python 3.11's repr() of the same doubles.
  it.each([
    [0.82, '0.82'],
    [1, '1.0'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1234567890123456, '1234567890123456.0'],
    [12345678901234567, '1.2345678901234568e+16'],
    [0.1 + 0.2, '0.30000000000000004'],
    [5e-324, '5e-324'],
    [-1.5e-10, '-1.5e-10'],
    [100, '100.0'],
    [123.456, '123.456'],
    [0.8533333333333334, '0.8533333333333334'],
    [1e22, '1e+22'],
    [-0, '-0.0'],
    [2.5e-5, '2.5e-05'],
    [NaN, 'nan'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ])('formats %d as %s', (value, expected) => {
    expect(formatPythonFloat(value)).toBe(expected);
  });
});

describe('parsePythonFloat', () => {
  it.each([
    ['0.82', 0.82],
    ['1e-05', 1e-5],
    ['1.0', 1],
    ['inf', Infinity],
    ['-inf', -Infinity],
    ['Infinity', Infinity],
    ['42', 42],
  ])('reads %s', (text, expected) => {
    expect(parsePythonFloat(text)).toBe(expected);
  });

  it('reads nan and rejects what float() would reject', () => {
    expect(parsePythonFloat('nan')).toBeNaN();
    expect(parsePythonFloat('')).toBeUndefined();
    expect(parsePythonFloat('0x10')).toBeUndefined();
    expect(parsePythonFloat('1.2.3')).toBeUndefined();
  });
});

describe('metric lines', () => {
  it('writes the line format of an MLflow metrics file', () => {
    expect(formatMetricLine({ timestamp: 1795725449490, value: 0.82, step: 0 })).toBe('1795725449490 0.82 0\n');
    expect(formatMetricLine({ timestamp: 5, value: 1, step: 3 })).toBe('5 1.0 3\n');
  });

  it('re-creates an MLflow metrics file exactly from what it parses', async () => {
    const file = join(FIXTURE_ROOT, 'server/mlruns', SERVER.experimentId, SERVER.mlpRun, 'metrics/loss');
    const text = await readFile(file, 'utf8');
    const history = parseMetricFile(text, 'loss', file);
    expect(history).toHaveLength(5);
    expect(history[0]).toEqual({ key: 'loss', value: 0.3880526811778702, timestamp: 1795725449495, step: 0 });
    expect(history.map(formatMetricLine).join('')).toBe(text);
  });

  it('accepts the old two-field lines (step 0) and skips blank lines', () => {
    expect(parseMetricFile('10 0.5\n\n11 nan 2\n', 'm', 'f')).toEqual([
      { key: 'm', value: 0.5, timestamp: 10, step: 0 },
      { key: 'm', value: NaN, timestamp: 11, step: 2 },
    ]);
  });

  it('reports a malformed line as CORRUPT with the file and line number', () => {
    thrownMlopsError(() => parseMetricFile('10 0.5 0\n11 oops 1\n', 'acc', '/run/metrics/acc'), 'CORRUPT', /\/run\/metrics\/acc: line 2 .* found "11 oops 1"/);
  });
});

describe('latestMetric', () => {
  const metric = (step: number, timestamp: number, value: number): Metric => ({ key: 'm', step, timestamp, value });

  it('takes the highest step, then the latest timestamp, then the largest value', () => {
    expect(latestMetric([metric(2, 1, 0.1), metric(1, 9, 0.9)])).toEqual(metric(2, 1, 0.1));
    expect(latestMetric([metric(1, 5, 0.1), metric(1, 6, 0.0)])).toEqual(metric(1, 6, 0.0));
    expect(latestMetric([metric(1, 5, 0.1), metric(1, 5, 0.7), metric(1, 5, 0.3)])).toEqual(metric(1, 5, 0.7));
  });

  it('keeps the first of equal keys, as Python max() does, also with NaN', () => {
    const first = metric(0, 1, NaN);
    expect(latestMetric([first, metric(0, 1, 0.5)])).toBe(first);
    expect(latestMetric([])).toBeUndefined();
  });
});
