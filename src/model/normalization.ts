import { MlopsError } from '../errors.js';

/** Per-feature standardisation, stored with the model and applied inside prediction. */
export interface Normalization {
  mean: number[];
  std: number[];
}

/**
 * Mean and population standard deviation (ddof = 0, as scikit-learn's StandardScaler) of each
 * column of a row-major matrix, in float64. A constant column gets std 1 so that it maps to 0
 * instead of dividing by zero.
 */
export function computeNormalization(features: Float32Array, rows: number, featureCount: number): Normalization {
  if (rows < 1) {
    throw new MlopsError('INVALID_ARGUMENT', `Normalization needs at least one row, got ${rows}`);
  }
  checkMatrixSize(features, rows, featureCount, 'features');
  const mean = new Array<number>(featureCount).fill(0);
  const std = new Array<number>(featureCount).fill(0);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < featureCount; column++) mean[column]! += features[row * featureCount + column]!;
  }
  for (let column = 0; column < featureCount; column++) mean[column] = mean[column]! / rows;
  // Two passes: summing squared deviations is stable where E[x²] − E[x]² is not.
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < featureCount; column++) {
      const deviation = features[row * featureCount + column]! - mean[column]!;
      std[column]! += deviation * deviation;
    }
  }
  for (let column = 0; column < featureCount; column++) {
    const deviation = Math.sqrt(std[column]! / rows);
    std[column] = deviation > 0 ? deviation : 1;
  }
  return { mean, std };
}

/**
 * (x − mean) / std per column, computed in float64 and stored as float32. Training and
 * prediction both go through here, so a row is normalised bit-identically in both.
 * Non-finite inputs are rejected with the row and feature that hold them.
 */
export function normalizeRows(
  features: Float32Array,
  rows: number,
  normalization: Normalization,
  featureNames: readonly string[],
): Float32Array {
  const featureCount = featureNames.length;
  checkMatrixSize(features, rows, featureCount, 'features');
  const { mean, std } = normalization;
  const normalized = new Float32Array(rows * featureCount);
  for (let row = 0; row < rows; row++) {
    const offset = row * featureCount;
    for (let column = 0; column < featureCount; column++) {
      const value = features[offset + column]!;
      if (!Number.isFinite(value)) {
        throw new MlopsError(
          'INVALID_ARGUMENT',
          `Row ${row}, feature "${featureNames[column]}": expected a finite number, found ${value}`,
          { details: { row, feature: featureNames[column], found: value } },
        );
      }
      normalized[offset + column] = (value - mean[column]!) / std[column]!;
    }
  }
  return normalized;
}

/** Throws unless a row-major matrix has exactly rows × columns values. */
export function checkMatrixSize(values: ArrayLike<number>, rows: number, columns: number, name: string): void {
  if (!Number.isInteger(rows) || rows < 0) {
    throw new MlopsError('INVALID_ARGUMENT', `${name}: rows must be a non-negative integer, got ${rows}`);
  }
  if (values.length !== rows * columns) {
    throw new MlopsError(
      'INVALID_ARGUMENT',
      `${name} has ${values.length} values; expected rows × columns = ${rows} × ${columns} = ${rows * columns}`,
      { details: { name, rows, columns, found: values.length } },
    );
  }
}
