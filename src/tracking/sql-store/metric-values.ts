/**
 * How MLflow's SQL store keeps a metric value in a FLOAT NOT NULL column: NaN as 0 with
 * is_nan = 1, ±Infinity as ±DBL_MAX (SQLite has no infinity literal). Reading maps them back.
 */
const DBL_MAX = 1.7976931348623157e308;

export function encodeMetricValue(value: number): { value: number; isNan: 0 | 1 } {
  if (Number.isNaN(value)) return { value: 0, isNan: 1 };
  if (value === Number.POSITIVE_INFINITY) return { value: DBL_MAX, isNan: 0 };
  if (value === Number.NEGATIVE_INFINITY) return { value: -DBL_MAX, isNan: 0 };
  return { value, isNan: 0 };
}

export function decodeMetricValue(value: number, isNan: number | boolean): number {
  if (isNan === 1 || isNan === true) return Number.NaN;
  if (value >= DBL_MAX) return Number.POSITIVE_INFINITY;
  if (value <= -DBL_MAX) return Number.NEGATIVE_INFINITY;
  return value;
}

/** MLflow's order for "the latest value": highest step, then timestamp, then (stored) value. */
export function isNewerMetric(
  candidate: { step: number; timestamp: number; value: number },
  current: { step: number; timestamp: number; value: number },
): boolean {
  if (candidate.step !== current.step) return candidate.step > current.step;
  if (candidate.timestamp !== current.timestamp) return candidate.timestamp > current.timestamp;
  return candidate.value > current.value;
}
