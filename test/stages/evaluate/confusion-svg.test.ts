import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { confusionMatrixSvg } from '../../../src/stages/evaluate/confusion-svg.js';

describe('confusionMatrixSvg', () => {
  const svg = confusionMatrixSvg({ labels: ['setosa', 'versicolor', 'virginica'], matrix: [[10, 0, 0], [0, 9, 1], [0, 2, 8]] });

  it('draws one shaded cell per (true, predicted) pair with its count and row share', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect class="cell"/g)).toHaveLength(9);
    // The diagonal cell of a perfectly predicted class is the darkest blue, an empty cell the lightest.
    expect(svg).toContain('<rect class="cell" data-true="0" data-predicted="0" x="');
    expect(svg).toMatch(/data-true="0" data-predicted="0"[^>]*fill="#08306b"/);
    expect(svg).toMatch(/data-true="0" data-predicted="1"[^>]*fill="#f7fbff"/);
    expect(svg).toMatch(/>9<\/text>\n[^\n]*>90%<\/text>/);
    expect(svg).toMatch(/>2<\/text>\n[^\n]*>20%<\/text>/);
    expect(svg).toContain('>Predicted label<');
    expect(svg).toContain('>True label<');
    // Self-contained: nothing to fetch, nothing to run.
    expect(svg).not.toMatch(/<script|href=|url\(/);
  });

  it('escapes labels so any class name stays well-formed XML', () => {
    const odd = confusionMatrixSvg({ labels: ['a<b', 'x&"y\''], matrix: [[1, 0], [0, 1]] }, 'Q&A');
    expect(odd).toContain('a&lt;b');
    expect(odd).toContain('x&amp;&quot;y&apos;');
    expect(odd).toContain('aria-label="Q&amp;A"');
    expect(odd).not.toMatch(/a<b|x&"/);
    // An independent XML parser (installed with the Azure SDK) accepts both documents.
    expect(XMLValidator.validate(odd)).toBe(true);
    expect(XMLValidator.validate(svg)).toBe(true);
  });

  it('shows an empty true class as 0% instead of dividing by zero', () => {
    const empty = confusionMatrixSvg({ labels: ['a', 'b'], matrix: [[0, 0], [1, 1]] });
    expect(empty).not.toContain('NaN');
    expect(empty.match(/>0%</g)).toHaveLength(2);
  });
});
