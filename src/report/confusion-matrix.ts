import { svgNumber } from './format.js';
import { html, type SafeHtml } from './html.js';
import { maxOf } from '../arrays.js';

export interface ConfusionMatrixData {
  labels: readonly string[];
  /** matrix[actual][predicted] = count */
  matrix: readonly (readonly number[])[];
}

const CHAR_WIDTH = 7.2;

/**
 * A heatmap of the confusion matrix as inline SVG: one cell per (actual, predicted) pair, shaded by
 * its share of the actual class's rows — correct predictions in blue, mistakes in red — so a
 * misclassified class stands out even when classes differ in size.
 */
export function renderConfusionMatrix(data: ConfusionMatrixData): SafeHtml {
  const n = data.labels.length;
  if (n === 0) return html`<p class="note">The confusion matrix is empty.</p>`;
  const count = (actual: number, predicted: number): number => {
    const value = data.matrix[actual]?.[predicted];
    return value !== undefined && Number.isFinite(value) ? value : 0;
  };
  const cell = Math.max(28, Math.min(84, Math.floor(336 / n)));
  const longest = maxOf(data.labels.map((l) => l.length));
  const labelWidth = Math.min(160, Math.ceil(longest * CHAR_WIDTH) + 12);
  const left = 26 + labelWidth;
  const top = 44;
  const width = left + n * cell + 12;
  const height = top + n * cell + 30 + Math.min(110, Math.ceil(longest * CHAR_WIDTH * 0.7));
  const showPercent = cell >= 56;

  const cells: SafeHtml[] = [];
  for (let a = 0; a < n; a++) {
    const rowTotal = data.labels.reduce((sum, _, p) => sum + count(a, p), 0);
    for (let p = 0; p < n; p++) {
      const value = count(a, p);
      const share = rowTotal === 0 ? 0 : value / rowTotal;
      const correct = a === p;
      const fill = value === 0 ? '#f3f4f6' : shade(correct ? [37, 99, 235] : [220, 38, 38], 0.18 + 0.82 * share);
      const dark = value > 0 && 0.18 + 0.82 * share > 0.55;
      const cx = left + p * cell;
      const cy = top + a * cell;
      const tip = `actual ${data.labels[a]}, predicted ${data.labels[p]}: ${value} (${(share * 100).toFixed(1)}% of ${data.labels[a]})`;
      cells.push(
        html`<g class="cm-cell${correct ? ' cm-diagonal' : ''}" data-actual="${data.labels[a]}" data-predicted="${data.labels[p]}" data-count="${value}"><rect x="${cx}" y="${cy}" width="${cell - 2}" height="${cell - 2}" rx="4" fill="${fill}"><title>${tip}</title></rect><text class="cm-count${dark ? ' on-dark' : ''}" x="${svgNumber(cx + (cell - 2) / 2)}" y="${svgNumber(cy + (cell - 2) / 2 + (showPercent ? 0 : 5))}" text-anchor="middle">${value}</text>${showPercent ? html`<text class="cm-share${dark ? ' on-dark' : ''}" x="${svgNumber(cx + (cell - 2) / 2)}" y="${svgNumber(cy + (cell - 2) / 2 + 16)}" text-anchor="middle">${(share * 100).toFixed(0)}%</text>` : ''}</g>`,
      );
    }
  }
  const rowLabels = data.labels.map(
    (label, a) => html`<text class="cm-label" x="${left - 8}" y="${svgNumber(top + a * cell + cell / 2 + 3)}" text-anchor="end">${clip(label)}</text>`,
  );
  const columnLabels = data.labels.map((label, p) => {
    const cx = svgNumber(left + p * cell + cell / 2 - 1);
    const cy = top + n * cell + 14;
    return html`<text class="cm-label" x="${cx}" y="${cy}" text-anchor="end" transform="rotate(-35 ${cx} ${cy})">${clip(label)}</text>`;
  });
  return html`<figure class="chart"><svg class="confusion-matrix" data-chart="confusion-matrix" data-classes="${n}" viewBox="0 0 ${width} ${height}" width="${width}" role="img" aria-label="Confusion matrix, ${n} classes" xmlns="http://www.w3.org/2000/svg"><title>Confusion matrix: rows are the actual class, columns the predicted class</title><text class="axis-label" x="${left + (n * cell) / 2}" y="${top - 14}" text-anchor="middle">predicted →</text><text class="axis-label" x="12" y="${top + (n * cell) / 2}" text-anchor="middle" transform="rotate(-90 12 ${top + (n * cell) / 2})">actual →</text>${cells}${rowLabels}${columnLabels}</svg><figcaption>Confusion matrix (share of each actual class)</figcaption></figure>`;
}

function shade(rgb: readonly [number, number, number], intensity: number): string {
  // Blend with white instead of using opacity, so the colour does not depend on the background.
  const [r, g, b] = rgb.map((c) => Math.round(255 - (255 - c) * Math.min(1, Math.max(0, intensity)))) as [number, number, number];
  return `rgb(${r},${g},${b})`;
}

function clip(label: string): string {
  return label.length > 22 ? `${label.slice(0, 21)}…` : label;
}
