/** How the report writes numbers: durations people can read, metrics with enough digits to compare. */

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  if (minutes < 60) return `${minutes} min ${rest} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Values in [-1, 1] with four decimals (so 1 reads 1.0000 beside 0.9667); other integers as counts; the rest with four significant digits. */
export function formatMetric(value: number | undefined): string {
  if (value === undefined) return '–';
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) <= 1) return value.toFixed(4);
  if (Number.isInteger(value)) return formatCount(value);
  return value.toPrecision(4);
}

/**
 * A rounded count with thousands separators, as en-US writes it (12,345). Not toLocaleString:
 * its first call loads ICU's locale data, ~50 ms of a short pipeline run's report.
 */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const rounded = Math.round(value);
  const digits = String(Math.abs(rounded));
  let grouped = digits.slice(0, digits.length % 3 || 3);
  for (let at = grouped.length; at < digits.length; at += 3) grouped += `,${digits.slice(at, at + 3)}`;
  return rounded < 0 ? `-${grouped}` : grouped;
}

/** A signed difference, e.g. +0.0333 or −0.0100; '±0' when equal. */
export function formatDelta(delta: number): string {
  if (!Number.isFinite(delta)) return String(delta);
  if (delta === 0) return '±0';
  const digits = Math.abs(delta) >= 1 && Number.isInteger(delta) ? 0 : 4;
  return `${delta > 0 ? '+' : '−'}${Math.abs(delta).toFixed(digits)}`;
}

/** Numbers written into SVG attributes: short, and never "NaN" or exponent notation. */
export function svgNumber(value: number): string {
  if (!Number.isFinite(value)) return '0';
  return String(Math.round(value * 100) / 100);
}
