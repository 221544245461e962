import { describe, expect, it } from 'vitest';
import { formatCount, formatDelta, formatDuration, formatMetric, svgNumber } from '../../src/report/format.js';

describe('report number formats', () => {
  it('writes durations in the largest sensible unit', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(999.4)).toBe('999 ms');
    expect(formatDuration(4321)).toBe('4.32 s');
    expect(formatDuration(42_500)).toBe('42.5 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 5 min');
    expect(formatDuration(Number.NaN)).toBe('–');
  });

  it('writes 0–1 scores with four decimals, counts as integers and the rest with four digits', () => {
    expect(formatMetric(0.96666)).toBe('0.9667');
    expect(formatMetric(1)).toBe('1.0000');
    expect(formatMetric(30)).toBe('30');
    expect(formatMetric(12_345)).toBe('12,345');
    expect(formatMetric(3.14159)).toBe('3.142');
    expect(formatMetric(undefined)).toBe('–');
    expect(formatMetric(Number.NaN)).toBe('NaN');
    expect(formatCount(1_000_000)).toBe('1,000,000');
  });

  it('writes counts as en-US toLocaleString does, without loading locale data', () => {
    for (const value of [0, 7, 999, 1000, 12_345, 123_456, 1_234_567, 2_000_300, -1, -1234, -999_999, 4.4, 4.5, 1e15]) {
      expect(formatCount(value), String(value)).toBe(Math.round(value).toLocaleString('en-US'));
    }
    expect(formatCount(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });

  it('signs deltas and writes svg numbers without NaN', () => {
    expect(formatDelta(0.0334)).toBe('+0.0334');
    expect(formatDelta(-0.01)).toBe('−0.0100');
    expect(formatDelta(0)).toBe('±0');
    expect(formatDelta(5)).toBe('+5');
    expect(svgNumber(1 / 3)).toBe('0.33');
    expect(svgNumber(Number.POSITIVE_INFINITY)).toBe('0');
  });
});
