import { describe, expect, it } from 'vitest';
import { axisStart, chartableMetrics, labelColumnWidth, renderMetricBars } from '../../src/report/metric-bars.js';

function bars(svg: string): { cls: string; metric: string; value: number; width: number }[] {
  return [...svg.matchAll(/<rect class="bar (candidate|champion)" data-metric="([^"]*)" data-value="([^"]*)" x="\d+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => ({
    cls: m[1]!,
    metric: m[2]!,
    value: Number(m[3]),
    width: Number(m[4]),
  }));
}

describe('renderMetricBars', () => {
  const metrics = { accuracy: 0.9, f1_macro: 0.5, log_loss: 0.3, example_count: 30, precision_macro: 1 };

  it('charts 0–1 scores only: losses and counts stay in the table', () => {
    expect(chartableMetrics(metrics)).toEqual(['accuracy', 'f1_macro', 'precision_macro']);
    expect(chartableMetrics({ accuracy: Number.NaN, error_rate: 0.1 })).toEqual([]);
  });

  it('draws a candidate bar and a champion bar per metric, with lengths proportional to the values', () => {
    const svg = renderMetricBars({ metrics, candidateLabel: 'v2 (candidate)', champion: { label: 'v1 (champion)', metrics: { accuracy: 0.8, f1_macro: 0.6 } } }).value;
    const found = bars(svg);
    expect(found.map((b) => `${b.cls}:${b.metric}`)).toEqual([
      'candidate:accuracy',
      'champion:accuracy',
      'candidate:f1_macro',
      'champion:f1_macro',
      'candidate:precision_macro',
    ]);
    const full = found.find((b) => b.metric === 'precision_macro')!.width;
    expect(found[0]!.width / full).toBeCloseTo(0.9, 2);
    expect(found[3]!.width / full).toBeCloseTo(0.6, 2);
    expect(svg).toContain('v1 (champion)');
  });

  it('draws candidate bars only when there is no champion, and escapes the labels', () => {
    const svg = renderMetricBars({ metrics: { accuracy: 0.5 }, candidateLabel: '<v3>' }).value;
    expect(bars(svg).map((b) => b.cls)).toEqual(['candidate']);
    expect(svg).toContain('&lt;v3&gt;');
    expect(svg).not.toContain('<v3>');
    expect(renderMetricBars({ metrics: { log_loss: 0.2 }, candidateLabel: 'c' }).value).toContain('No 0–1 scores');
  });

  it('starts the axis near the lowest value so that close scores look different, and says so', () => {
    expect(axisStart([0.9667, 1])).toBe(0.95);
    expect(axisStart([0.9, 0.93])).toBe(0.8);
    expect(axisStart([0.5, 1])).toBe(0);
    expect(axisStart([1, 1])).toBe(0.99);
    const svg = renderMetricBars({ metrics: { accuracy: 0.9667 }, candidateLabel: 'v2', champion: { label: 'v1', metrics: { accuracy: 1 } } }).value;
    const [candidate, champion] = bars(svg);
    // On a 0–1 axis the two bars differ by 3%; from 0.95 the candidate's is a third of the champion's.
    expect(candidate!.width / champion!.width).toBeCloseTo(0.0167 / 0.05, 2);
    expect(svg).toContain('data-axis-start="0.95"');
    expect(svg).toContain('the axis starts at 0.95');
    expect(svg).toContain('>0.9667<');
  });

  it('makes the label column as wide as the longest metric name, so no label is clipped', () => {
    expect(labelColumnWidth(['accuracy', 'precision_weighted'])).toBeGreaterThanOrEqual(18 * 7.5);
    const svg = renderMetricBars({ metrics: { precision_weighted: 0.9, accuracy: 0.95 }, candidateLabel: 'v1' }).value;
    const x = Number(/<rect class="bar candidate" data-metric="precision_weighted" data-value="[^"]*" x="(\d+)"/.exec(svg)![1]);
    expect(x).toBe(labelColumnWidth(['precision_weighted', 'accuracy']));
  });
});
