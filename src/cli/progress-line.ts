/** Pure formatting of a progress line: counts, rate and ETA (no I/O, no clocks of its own). */
export interface ProgressSnapshot {
  stage: string;
  done: number;
  total?: number;
  unit: string;
  detail?: string;
  metrics?: Record<string, number>;
  /** Milliseconds since this stage's first progress event. */
  elapsedMs: number;
}

export function formatProgress(p: ProgressSnapshot): string {
  const parts = [`${p.stage}: ${formatCount(p.done)}${p.total !== undefined ? `/${formatCount(p.total)}` : ''} ${p.unit}`];
  const rate = p.elapsedMs > 0 ? (p.done / p.elapsedMs) * 1000 : 0;
  if (rate > 0 && p.unit !== 'epochs') parts.push(`${formatCount(Math.round(rate))} ${p.unit}/s`);
  if (p.total !== undefined && rate > 0 && p.done < p.total) parts.push(`ETA ${formatDuration(((p.total - p.done) / rate) * 1000)}`);
  for (const [name, value] of Object.entries(p.metrics ?? {})) parts.push(`${name} ${formatMetric(value)}`);
  if (p.detail) parts.push(p.detail);
  return parts.join(' · ');
}

/** Four significant digits: 0.04123, 1.234, 12.35; tiny or huge values in exponent form. */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e6)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return String(n);
}

export function formatDuration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
