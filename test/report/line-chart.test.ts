import { describe, expect, it } from 'vitest';
import { renderLineChart } from '../../src/report/line-chart.js';
import { curve, occurrences } from './sample-data.js';

function polylines(svg: string): { series: string; declared: number; points: [number, number][] }[] {
  return [...svg.matchAll(/<polyline class="series" data-series="([^"]*)" data-points="(\d+)" points="([^"]*)"/g)].map((m) => ({
    series: m[1]!,
    declared: Number(m[2]),
    points: m[3]!.split(' ').map((pair) => pair.split(',').map(Number) as [number, number]),
  }));
}

describe('renderLineChart', () => {
  it('draws one polyline per series with one point per logged epoch, inside the viewBox', () => {
    const svg = renderLineChart({
      title: 'Loss per epoch',
      xLabel: 'epoch',
      series: [
        { name: 'loss', points: curve(Array.from({ length: 200 }, (_, i) => 1 / (i + 1))), color: '#000' },
        { name: 'val_loss', points: curve([1.1, 0.7, 0.4]), color: '#f00', dashed: true },
      ],
    }).value;
    const lines = polylines(svg);
    expect(lines.map((l) => [l.series, l.declared, l.points.length])).toEqual([
      ['loss', 200, 200],
      ['val_loss', 3, 3],
    ]);
    for (const [x, y] of lines.flatMap((l) => l.points)) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(560);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(280);
    }
    // Larger values sit higher (smaller y): the first loss point is above the last.
    const loss = lines[0]!.points;
    expect(loss[0]![1]).toBeLessThan(loss[loss.length - 1]![1]);
    expect(occurrences(svg, 'stroke-dasharray')).toBe(2); // the dashed series and its legend swatch
    expect(svg).toContain('data-chart="line"');
  });

  it('leaves out non-finite values and sorts points by step', () => {
    const svg = renderLineChart({
      title: 't',
      xLabel: 'epoch',
      series: [{ name: 'loss', points: [{ step: 2, value: 0.5 }, { step: 0, value: Number.NaN }, { step: 1, value: 0.7 }], color: '#000' }],
    }).value;
    const [line] = polylines(svg);
    expect(line!.declared).toBe(2);
    expect(line!.points[0]![0]).toBeLessThan(line!.points[1]![0]);
  });

  it('fixes the y axis to the given domain', () => {
    const svg = renderLineChart({ title: 'acc', xLabel: 'epoch', yDomain: [0, 1], series: [{ name: 'accuracy', points: curve([0.5, 0.6]), color: '#000' }] }).value;
    const ticks = [...svg.matchAll(/<text class="tick" x="\d+" y="[\d.]+" text-anchor="end">([^<]*)</g)].map((m) => m[1]);
    expect(ticks).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
  });

  it('says so instead of drawing an empty chart, and escapes titles and series names', () => {
    expect(renderLineChart({ title: 'Loss', xLabel: 'epoch', series: [{ name: 'loss', points: [], color: '#000' }] }).value).toBe(
      '<p class="note">Loss: no values were logged.</p>',
    );
    const svg = renderLineChart({ title: '<b>t</b>', xLabel: 'x', series: [{ name: '"><script>', points: curve([1]), color: '#000' }] }).value;
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('data-series="&quot;&gt;&lt;script&gt;"');
  });
});
