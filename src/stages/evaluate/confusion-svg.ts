import { maxOf } from '../../arrays.js';

export interface ConfusionMatrix {
  labels: readonly string[];
  /** matrix[true][predicted] = rows. */
  matrix: readonly (readonly number[])[];
}

const CELL = 64;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/**
 * The confusion matrix as a standalone SVG (no scripts, no external resources): true labels down,
 * predicted labels across, each cell shaded by the share of its true class it holds and labelled
 * with its count and that share — what MLflow's evaluate draws as confusion_matrix.png.
 */
export function confusionMatrixSvg(confusion: ConfusionMatrix, title = 'Confusion matrix'): string {
  const { labels, matrix } = confusion;
  const n = labels.length;
  const labelWidth = maxOf(labels.map((label) => label.length * 7.5), 40) + 16;
  const left = labelWidth + 28;
  const top = 56;
  const gridSize = n * CELL;
  const width = left + gridSize + 24;
  const height = top + gridSize + labelWidth + 32;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left + gridSize / 2}" y="28" text-anchor="middle" ${FONT} font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  );
  matrix.forEach((row, t) => {
    const total = row.reduce((sum, count) => sum + count, 0);
    row.forEach((count, p) => {
      const share = total === 0 ? 0 : count / total;
      const x = left + p * CELL;
      const y = top + t * CELL;
      parts.push(
        `<rect class="cell" data-true="${t}" data-predicted="${p}" x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="${shade(share)}" stroke="#ffffff"/>`,
        `<text x="${x + CELL / 2}" y="${y + CELL / 2 - 2}" text-anchor="middle" ${FONT} font-size="15" fill="${share > 0.5 ? '#ffffff' : '#08306b'}">${count}</text>`,
        `<text x="${x + CELL / 2}" y="${y + CELL / 2 + 15}" text-anchor="middle" ${FONT} font-size="10" fill="${share > 0.5 ? '#ffffff' : '#08306b'}">${(share * 100).toFixed(0)}%</text>`,
      );
    });
  });
  labels.forEach((label, i) => {
    const text = escapeXml(label);
    const middle = i * CELL + CELL / 2;
    // True labels to the left of their row; predicted labels below their column, rotated.
    parts.push(
      `<text x="${left - 8}" y="${top + middle + 4}" text-anchor="end" ${FONT} font-size="12">${text}</text>`,
      `<text transform="translate(${left + middle + 4} ${top + gridSize + 8}) rotate(-90)" text-anchor="end" ${FONT} font-size="12">${text}</text>`,
    );
  });
  parts.push(
    `<text x="${left + gridSize / 2}" y="${height - 10}" text-anchor="middle" ${FONT} font-size="13">Predicted label</text>`,
    `<text transform="translate(16 ${top + gridSize / 2}) rotate(-90)" text-anchor="middle" ${FONT} font-size="13">True label</text>`,
    '</svg>',
  );
  return parts.join('\n') + '\n';
}

/** White to dark blue as the share goes from 0 to 1. */
function shade(share: number): string {
  const from = [247, 251, 255];
  const to = [8, 48, 107];
  const channel = (i: number) => Math.round(from[i]! + (to[i]! - from[i]!) * share).toString(16).padStart(2, '0');
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
