import { MlopsError } from '../../errors.js';
import type { Metric } from '../types.js';

/**
 * Formats a number the way Python's repr(float) does, because MLflow writes metric values with
 * an f-string: shortest round-trip digits, `.0` on integral values, exponent form below 1e-4
 * and from 1e16 on with at least two exponent digits (`1e-05`, `1e+16`), and `nan`/`inf`.
 */
export function formatPythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument yields the shortest digits that round-trip, as repr does.
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  const exponent = Number(exponentText);
  const pointPosition = exponent + 1; // Python's "decpt": digits are 0.d1d2… × 10^decpt
  let body: string;
  if (pointPosition <= -4 || pointPosition > 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    body = `${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  } else if (pointPosition <= 0) {
    body = `0.${'0'.repeat(-pointPosition)}${digits}`;
  } else if (pointPosition >= digits.length) {
    body = `${digits}${'0'.repeat(pointPosition - digits.length)}.0`;
  } else {
    body = `${digits.slice(0, pointPosition)}.${digits.slice(pointPosition)}`;
  }
  return sign + body;
}

/** Parses what Python's float() accepts from a metric file (decimal, exponent, nan, inf, infinity). */
export function parsePythonFloat(text: string): number | undefined {
  const lower = text.trim().toLowerCase().replace(/_/g, '');
  if (/^[+-]?nan$/.test(lower)) return NaN;
  if (/^[+-]?inf(?:inity)?$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/.test(lower)) return undefined;
  return Number(lower);
}

/** One line of a metrics/<key> file: `<timestamp> <value> <step>\n`. */
export function formatMetricLine(metric: Pick<Metric, 'timestamp' | 'value' | 'step'>): string {
  return `${metric.timestamp} ${formatPythonFloat(metric.value)} ${metric.step}\n`;
}

const INTEGER = /^[+-]?\d+$/;

/** Parses a whole metrics/<key> file in logged order; a malformed line is CORRUPT naming file and line. */
export function parseMetricFile(text: string, key: string, file: string): Metric[] {
  const metrics: Metric[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const parts = line.split(' ');
    const [timestampText = '', valueText = '', stepText = '0'] = parts;
    const value = parsePythonFloat(valueText);
    if ((parts.length !== 2 && parts.length !== 3) || !INTEGER.test(timestampText) || !INTEGER.test(stepText) || value === undefined) {
      throw new MlopsError(
        'CORRUPT',
        `${file}: line ${index + 1} should be "<timestamp> <value> [<step>]" as MLflow writes it, found ${JSON.stringify(raw)}`,
        { details: { file, line: index + 1, key } },
      );
    }
    metrics.push({ key, value, timestamp: Number(timestampText), step: Number(stepText) });
  });
  return metrics;
}

/** Python's tuple comparison `a > b` over (step, timestamp, value), including its NaN behaviour. */
function tupleGreater(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i]!;
    const y = b[i]!;
    // Python finds the first position where the items are not ==; NaN is never == anything.
    if (!(x === y)) return x > y;
  }
  return false;
}

/**
 * The value MLflow reports as a run's metric: the maximum by (step, timestamp, value), keeping
 * the first of equals as Python's max() does. undefined for an empty history.
 */
export function latestMetric(history: readonly Metric[]): Metric | undefined {
  let best: Metric | undefined;
  for (const metric of history) {
    if (best === undefined || tupleGreater([metric.step, metric.timestamp, metric.value], [best.step, best.timestamp, best.value])) {
      best = metric;
    }
  }
  return best;
}
