import { describe, expect, it } from 'vitest';
import { renderConfusionMatrix } from '../../src/report/confusion-matrix.js';

function cells(svg: string): { actual: string; predicted: string; count: number; fill: string; diagonal: boolean }[] {
  return [...svg.matchAll(/<g class="cm-cell( cm-diagonal)?" data-actual="([^"]*)" data-predicted="([^"]*)" data-count="(\d+)"><rect [^>]*fill="([^"]+)"/g)].map((m) => ({
    diagonal: m[1] !== undefined,
    actual: m[2]!,
    predicted: m[3]!,
    count: Number(m[4]),
    fill: m[5]!,
  }));
}

describe('renderConfusionMatrix', () => {
  const iris = {
    labels: ['setosa', 'versicolor', 'virginica'],
    matrix: [
      [10, 0, 0],
      [0, 9, 1],
      [0, 0, 10],
    ],
  };

  it('draws n×n cells holding the counts, row by row', () => {
    const found = cells(renderConfusionMatrix(iris).value);
    expect(found).toHaveLength(9);
    expect(found.map((c) => c.count)).toEqual([10, 0, 0, 0, 9, 1, 0, 0, 10]);
    expect(found.filter((c) => c.diagonal).map((c) => c.actual)).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(found[5]).toMatchObject({ actual: 'versicolor', predicted: 'virginica', count: 1 });
  });

  it('shades correct cells blue, mistakes red and empty cells grey, darker for a larger share of the row', () => {
    const found = cells(renderConfusionMatrix(iris).value);
    const rgb = (fill: string): number[] => fill.match(/\d+/g)!.map(Number);
    const [r1, g1, b1] = rgb(found[0]!.fill); // 10/10 correct
    expect(b1).toBeGreaterThan(r1!);
    const [r2, , b2] = rgb(found[5]!.fill); // 1/10 mistaken
    expect(r2).toBeGreaterThan(b2!);
    expect(found[1]!.fill).toBe('#f3f4f6');
    const [, g9] = rgb(found[4]!.fill); // 9/10 correct: lighter than 10/10
    expect(g9).toBeGreaterThan(g1!);
  });

  it('treats missing counts as 0 and escapes labels', () => {
    const svg = renderConfusionMatrix({ labels: ['<a>', 'b&c'], matrix: [[1]] }).value;
    const found = cells(svg);
    expect(found.map((c) => c.count)).toEqual([1, 0, 0, 0]);
    expect(svg).toContain('data-actual="&lt;a&gt;"');
    expect(svg).toContain('>b&amp;c</text>');
    expect(svg).not.toContain('<a>');
    expect(renderConfusionMatrix({ labels: [], matrix: [] }).value).toContain('empty');
  });

  it('scales cells down for many classes', () => {
    const labels = Array.from({ length: 20 }, (_, i) => `class_${i}`);
    const svg = renderConfusionMatrix({ labels, matrix: labels.map((_, a) => labels.map((__, p) => (a === p ? 5 : 0))) }).value;
    expect(cells(svg)).toHaveLength(400);
    expect(svg).toContain('data-classes="20"');
    expect(svg).not.toContain('class="cm-share'); // too small for the percentage line
  });
});
