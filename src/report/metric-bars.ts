import { formatMetric, svgNumber } from './format.js';
import { html, type SafeHtml } from './html.js';
import { maxOf, minOf } from '../arrays.js';

export interface MetricBarsInput {
  /** The evaluated version's metrics. */
  metrics: Readonly<Record<string, number>>;
  candidateLabel: string;
  /** The current champion's metrics on the same evaluation set, when there is a champion. */
  champion?: { label: string; metrics: Readonly<Record<string, number>> };
}

const WIDTH = 560;
const RIGHT = 64;
const BAR = 16;
/** Width of one character of a 12px bold label, generously: labels must never be clipped. */
const LABEL_CHAR_WIDTH = 7.6;

/** Where the label column ends: after the longest metric name, and never less than 90. */
export function labelColumnWidth(keys: readonly string[]): number {
  return Math.max(90, Math.ceil(maxOf(keys.map((k) => k.length), 0) * LABEL_CHAR_WIDTH) + 16);
}

/**
 * Where the axis starts: at 0 when the values spread widely, otherwise at the highest of
 * 0.5, 0.8, 0.9, 0.95, 0.98, 0.99 that stays below the lowest value by a visible margin — so 0.9667
 * and 1.0 do not look alike. The values are printed beside the bars either way.
 */
export function axisStart(values: readonly number[]): number {
  const lowest = minOf(values);
  if (!Number.isFinite(lowest)) return 0;
  const starts = [0.99, 0.98, 0.95, 0.9, 0.8, 0.5];
  return starts.find((start) => lowest - start >= (1 - start) * 0.15) ?? 0;
}

/**
 * Scores that live on a 0–1 scale where higher is better (accuracy, precision, recall, F1) can share
 * one axis; losses and counts cannot, so they stay in the metrics table only.
 */
export function chartableMetrics(metrics: Readonly<Record<string, number>>): string[] {
  return Object.entries(metrics)
    .filter(([key, value]) => Number.isFinite(value) && value >= 0 && value <= 1 && !/loss|count|error/i.test(key))
    .map(([key]) => key);
}

/** Horizontal bars on a 0–1 scale (the axis may start above 0): the candidate's value per metric, with the champion's beneath it. */
export function renderMetricBars(input: MetricBarsInput): SafeHtml {
  const keys = chartableMetrics(input.metrics);
  if (keys.length === 0) return html`<p class="note">No 0–1 scores to chart.</p>`;
  const champion = input.champion;
  const rowHeight = champion ? BAR * 2 + 16 : BAR + 14;
  const top = 34;
  const height = top + keys.length * rowHeight + 30;
  const LEFT = labelColumnWidth(keys);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const shownValues = keys.flatMap((key) => [input.metrics[key]!, ...(champion?.metrics[key] !== undefined && Number.isFinite(champion.metrics[key]) ? [champion.metrics[key]!] : [])]);
  const start = axisStart(shownValues);
  const x = (value: number): number => LEFT + ((Math.max(start, Math.min(1, value)) - start) / (1 - start)) * plotWidth;

  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => Number((start + t * (1 - start)).toPrecision(4)));
  const grid = ticks.map(
    (t) => html`<line class="grid" x1="${svgNumber(x(t))}" x2="${svgNumber(x(t))}" y1="${top - 6}" y2="${height - 26}"/><text class="tick" x="${svgNumber(x(t))}" y="${height - 10}" text-anchor="middle">${t}</text>`,
  );
  const rows = keys.map((key, i) => {
    const y = top + i * rowHeight;
    const value = input.metrics[key]!;
    const championValue = champion?.metrics[key];
    const bar = (cls: string, v: number, by: number, who: string): SafeHtml =>
      html`<rect class="bar ${cls}" data-metric="${key}" data-value="${v}" x="${LEFT}" y="${by}" width="${svgNumber(x(v) - LEFT)}" height="${BAR}" rx="3"><title>${key} (${who}) = ${formatMetric(v)}</title></rect><text class="bar-value" x="${svgNumber(x(v) + 6)}" y="${by + BAR - 4}">${formatMetric(v)}</text>`;
    return html`<g class="bar-row"><text class="bar-label" x="${LEFT - 10}" y="${y + (champion ? BAR + 4 : BAR - 4)}" text-anchor="end">${key}</text>${bar('candidate', value, y, input.candidateLabel)}${champion && championValue !== undefined && Number.isFinite(championValue) ? bar('champion', championValue, y + BAR + 2, champion.label) : ''}</g>`;
  });
  const legend = html`<g class="legend-item" transform="translate(${LEFT},12)"><rect class="bar candidate" width="14" height="10" y="-8" rx="2"/><text x="20" y="1">${input.candidateLabel}</text></g>${
    champion ? html`<g class="legend-item" transform="translate(${LEFT + 210},12)"><rect class="bar champion" width="14" height="10" y="-8" rx="2"/><text x="20" y="1">${champion.label}</text></g>` : ''
  }`;
  const title = champion ? `Evaluation metrics: ${input.candidateLabel} vs ${champion.label}` : `Evaluation metrics: ${input.candidateLabel}`;
  const caption = start > 0 ? `${title} (the axis starts at ${start} to show the differences)` : title;
  return html`<figure class="chart"><svg class="metric-bars" data-chart="bars" data-axis-start="${start}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg"><title>${title}</title>${legend}${grid}${rows}</svg><figcaption>${caption}</figcaption></figure>`;
}
