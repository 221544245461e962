/** Axis arithmetic for the hand-written SVG charts: round tick values and linear maps. */

/**
 * About `count` evenly spaced round values (1, 2 or 5 × a power of ten apart) covering [min, max];
 * the first tick is ≤ min and the last ≥ max, so they also give the axis its extent.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const rough = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
  const first = Math.floor(min / step + 1e-9) * step;
  const last = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; first + i * step <= last + step * 1e-9; i++) {
    // Rounding to the step's own precision keeps 0.30000000000000004 out of axis labels.
    ticks.push(Number((first + i * step).toFixed(Math.max(0, -Math.floor(Math.log10(step)) + 1))));
  }
  return ticks;
}

/** Maps [domainMin, domainMax] linearly onto [rangeStart, rangeEnd]; a zero-width domain maps to the middle. */
export function linearScale(domainMin: number, domainMax: number, rangeStart: number, rangeEnd: number): (value: number) => number {
  const width = domainMax - domainMin;
  if (width === 0) return () => (rangeStart + rangeEnd) / 2;
  return (value) => rangeStart + ((value - domainMin) / width) * (rangeEnd - rangeStart);
}

/** A short tick label: no trailing zeros, thousands as k. */
export function tickLabel(value: number): string {
  if (Math.abs(value) >= 10_000) return `${Number((value / 1000).toPrecision(3))}k`;
  return String(Number(value.toPrecision(6)));
}
