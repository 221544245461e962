/**
 * An experiment id for binding to SQLite, or undefined when it is not a whole number that fits
 * SQLite's 64-bit integers. A BigInt, never a JS number: MLflow's file store made 18-digit ids,
 * which migrate keeps, and a number would round them.
 */
export function experimentKey(experimentId: string): bigint | undefined {
  if (!/^\d{1,19}$/.test(experimentId)) return undefined;
  const key = BigInt(experimentId);
  return key <= 9223372036854775807n ? key : undefined;
}
