import { describe, expect, it } from 'vitest';
import { linearScale, niceTicks, tickLabel } from '../../src/report/scale.js';

describe('niceTicks', () => {
  it('covers the range with round, evenly spaced values', () => {
    expect(niceTicks(0, 199, 6)).toEqual([0, 50, 100, 150, 200]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 1.23, 5)).toEqual([0, 0.5, 1, 1.5]);
  });

  it('never produces floating-point noise and always brackets the data', () => {
    for (const [min, max] of [[0.013, 0.91], [3, 17], [-2.5, 7.1], [0, 0.0003]] as const) {
      const ticks = niceTicks(min, max, 5);
      expect(ticks[0]).toBeLessThanOrEqual(min);
      expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max);
      for (const t of ticks) expect(String(t).length).toBeLessThan(10);
    }
  });

  it('widens a single value into a range and survives non-finite input', () => {
    const ticks = niceTicks(5, 5);
    expect(ticks[0]).toBeLessThan(5);
    expect(ticks[ticks.length - 1]).toBeGreaterThan(5);
    expect(niceTicks(Number.NaN, 1)).toEqual([0, 1]);
  });
});

describe('linearScale and tickLabel', () => {
  it('maps the domain onto the range, inverted ranges included', () => {
    const y = linearScale(0, 1, 240, 40);
    expect(y(0)).toBe(240);
    expect(y(1)).toBe(40);
    expect(y(0.5)).toBe(140);
    expect(linearScale(3, 3, 0, 100)(3)).toBe(50);
  });

  it('labels ticks briefly', () => {
    expect(tickLabel(0.30000000000000004)).toBe('0.3');
    expect(tickLabel(25_000)).toBe('25k');
    expect(tickLabel(150)).toBe('150');
  });
});
