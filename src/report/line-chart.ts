import type { CurvePoint } from './data.js';
import { formatMetric, svgNumber } from './format.js';
import { html, type SafeHtml } from './html.js';
import { linearScale, niceTicks, tickLabel } from './scale.js';
import { maxOf, minOf } from '../arrays.js';

export interface LineSeries {
  /** Shown in the legend and kept in `data-series`, e.g. loss or val_loss. */
  name: string;
  points: readonly CurvePoint[];
  color: string;
  dashed?: boolean;
  /** The legend's text; default the name and the last value. */
  legend?: string;
}

export interface LineChartOptions {
  title: string;
  series: readonly LineSeries[];
  xLabel: string;
  /** Fixed y extent, e.g. [0, 1] for accuracy; otherwise from the data, starting at 0 when all values are positive. */
  yDomain?: readonly [number, number];
  /** The svg's data-chart (default "line"), e.g. "pr-curve". */
  chart?: string;
}

const WIDTH = 560;
const HEIGHT = 280;
const MARGIN = { top: 40, right: 20, bottom: 44, left: 52 };

/**
 * A line chart as inline SVG: one polyline per series with a point per finite value (non-finite
 * values, e.g. a NaN loss, are left out), round-valued grid lines, a legend and the last value marked.
 */
export function renderLineChart(options: LineChartOptions): SafeHtml {
  const series = options.series
    .map((s) => ({ ...s, points: [...s.points].filter((p) => Number.isFinite(p.step) && Number.isFinite(p.value)).sort((a, b) => a.step - b.step) }))
    .filter((s) => s.points.length > 0);
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    return html`<p class="note">${options.title}: no values were logged.</p>`;
  }
  const steps = all.map((p) => p.step);
  const values = all.map((p) => p.value);
  const xTicks = niceTicks(minOf(steps), maxOf(steps), 6);
  const [dataMin, dataMax] = [minOf(values), maxOf(values)];
  const yTicks = options.yDomain ? niceTicks(options.yDomain[0], options.yDomain[1], 5) : niceTicks(dataMin >= 0 ? 0 : dataMin, dataMax, 5);
  const x = linearScale(xTicks[0]!, xTicks[xTicks.length - 1]!, MARGIN.left, WIDTH - MARGIN.right);
  const y = linearScale(yTicks[0]!, yTicks[yTicks.length - 1]!, HEIGHT - MARGIN.bottom, MARGIN.top);
  const plotBottom = HEIGHT - MARGIN.bottom;

  const grid = yTicks.map(
    (t) => html`<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${svgNumber(y(t))}" y2="${svgNumber(y(t))}"/><text class="tick" x="${MARGIN.left - 8}" y="${svgNumber(y(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`,
  );
  const xAxis = xTicks.map(
    (t) => html`<line class="axis-tick" x1="${svgNumber(x(t))}" x2="${svgNumber(x(t))}" y1="${plotBottom}" y2="${plotBottom + 5}"/><text class="tick" x="${svgNumber(x(t))}" y="${plotBottom + 18}" text-anchor="middle">${tickLabel(t)}</text>`,
  );
  const lines = series.map((s) => {
    const last = s.points[s.points.length - 1]!;
    const coordinates = s.points.map((p) => `${svgNumber(x(p.step))},${svgNumber(y(p.value))}`).join(' ');
    return html`<g class="series-group"><polyline class="series" data-series="${s.name}" data-points="${s.points.length}" points="${coordinates}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"${s.dashed ? html` stroke-dasharray="6 4"` : ''}><title>${s.name}: ${s.points.length} values, last ${formatMetric(last.value)} at step ${last.step}</title></polyline><circle cx="${svgNumber(x(last.step))}" cy="${svgNumber(y(last.value))}" r="3.5" fill="${s.color}"><title>${s.name} = ${formatMetric(last.value)} at step ${last.step}</title></circle></g>`;
  });
  const legend = series.map((s, i) => {
    const lx = MARGIN.left + i * 130;
    return html`<g class="legend-item" transform="translate(${lx},14)"><line x1="0" x2="22" y1="0" y2="0" stroke="${s.color}" stroke-width="2.5"${s.dashed ? html` stroke-dasharray="6 4"` : ''}/><text x="28" y="4">${s.legend ?? `${s.name} ${formatMetric(s.points[s.points.length - 1]!.value)}`}</text></g>`;
  });
  return html`<figure class="chart"><svg class="line-chart" data-chart="${options.chart ?? 'line'}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${options.title}" xmlns="http://www.w3.org/2000/svg"><title>${options.title}</title>${legend}${grid}<line class="axis" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${plotBottom}" y2="${plotBottom}"/>${xAxis}${lines}<text class="axis-label" x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 6}" text-anchor="middle">${options.xLabel}</text></svg><figcaption>${options.title}</figcaption></figure>`;
}
