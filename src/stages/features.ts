import type { RecordBatch, Table } from 'apache-arrow';
import { MlopsError } from '../errors.js';
import { categoryIndex, encodeRawMatrix, UNSEEN, vocabularyLookup, type InputColumn } from '../model/encoding.js';

export interface FeatureMatrix {
  /** Row-major, rows × featureNames.length. */
  features: Float32Array;
  rows: number;
}

/**
 * Copies named numeric columns of an Arrow table or batch into one row-major matrix, the layout
 * the model takes. Missing or non-numeric columns and null values are errors naming the column.
 */
export function toFeatureMatrix(data: Table | RecordBatch, featureNames: readonly string[], where: string): FeatureMatrix {
  const rows = data.numRows;
  const width = featureNames.length;
  const features = new Float32Array(rows * width);
  featureNames.forEach((name, j) => {
    const column = data.getChild(name);
    if (!column) {
      const found = data.schema.fields.map((f) => f.name).join(', ');
      throw new MlopsError('SCHEMA_MISMATCH', `${where}: feature column "${name}" is missing (expected ${featureNames.join(', ')}; found ${found})`, {
        details: { column: name, where },
      });
    }
    const typeName = String(column.type);
    if (!/^(Float|Int|Uint)/.test(typeName)) {
      throw new MlopsError('SCHEMA_MISMATCH', `${where}: feature column "${name}" must be numeric, found ${typeName}`, { details: { column: name, where, type: typeName } });
    }
    if (column.nullCount > 0) {
      throw new MlopsError('SCHEMA_MISMATCH', `${where}: feature column "${name}" has ${column.nullCount} null value(s)`, { details: { column: name, where } });
    }
    let i = 0;
    for (const value of column) {
      features[i * width + j] = Number(value);
      i++;
    }
  });
  return { features, rows };
}

/** Maps a string label column to class indices of `labelNames`; unknown labels are errors. */
export function toLabelIndices(data: Table | RecordBatch, column: string, labelNames: readonly string[], where: string): Int32Array {
  const vector = data.getChild(column);
  if (!vector) throw new MlopsError('SCHEMA_MISMATCH', `${where}: label column "${column}" is missing`, { details: { column, where } });
  const index = new Map(labelNames.map((l, i) => [l, i]));
  const out = new Int32Array(data.numRows);
  let i = 0;
  for (const value of vector) {
    const k = index.get(String(value));
    if (k === undefined) {
      throw new MlopsError('SCHEMA_MISMATCH', `${where}: row ${i + 1} has label "${String(value)}", not one of ${labelNames.join(', ')}`, {
        details: { column, where, row: i + 1 },
      });
    }
    out[i++] = k;
  }
  return out;
}

/** The distinct values of a string column, sorted, so class indices do not depend on row order. */
export function distinctLabels(data: Table, column: string): string[] {
  const vector = data.getChild(column);
  if (!vector) throw new MlopsError('SCHEMA_MISMATCH', `label column "${column}" is missing`, { details: { column } });
  const seen = new Set<string>();
  for (const value of vector) if (value !== null && value !== undefined) seen.add(String(value));
  return [...seen].sort();
}

/**
 * A model's raw matrix (rows × inputs, see encodeRawMatrix) from an Arrow table or batch: numeric
 * inputs as numbers (NaN where null), categorical ones as vocabulary indices (UNSEEN, MISSING).
 * `unseen[j]` counts the values of input j that are not in its vocabulary.
 */
export function rawMatrixFromArrow(inputs: readonly InputColumn[], data: Table | RecordBatch, where: string): { raw: Float64Array; rows: number; unseen: number[] } {
  const rows = data.numRows;
  const count = inputs.length;
  const raw = new Float64Array(rows * count);
  const unseen = inputs.map(() => 0);
  inputs.forEach((input, j) => {
    const column = data.getChild(input.name);
    if (!column) {
      const found = data.schema.fields.map((f) => f.name).join(', ');
      throw new MlopsError('SCHEMA_MISMATCH', `${where}: feature column "${input.name}" is missing (expected ${inputs.map((i) => i.name).join(', ')}; found ${found})`, {
        details: { column: input.name, where },
      });
    }
    let r = 0;
    if (input.kind === 'numeric') {
      const typeName = String(column.type);
      if (!/^(Float|Int|Uint)/.test(typeName)) {
        throw new MlopsError('SCHEMA_MISMATCH', `${where}: feature column "${input.name}" must be numeric, found ${typeName}`, { details: { column: input.name, where, type: typeName } });
      }
      for (const value of column) raw[r++ * count + j] = value === null || value === undefined ? NaN : Number(value);
    } else {
      const lookup = vocabularyLookup(input);
      for (const value of column) {
        const index = categoryIndex(lookup, value);
        if (index === UNSEEN) unseen[j]!++;
        raw[r++ * count + j] = index;
      }
    }
  });
  return { raw, rows, unseen };
}

/** The encoded features of labelled data (evaluation sets): a missing value where nothing is imputed is an error naming the row. */
export function encodedFromArrow(inputs: readonly InputColumn[], data: Table | RecordBatch, where: string): FeatureMatrix & { unseen: number[] } {
  const { raw, rows, unseen } = rawMatrixFromArrow(inputs, data, where);
  inputs.forEach((input, j) => {
    if (input.kind !== 'numeric' || input.impute !== undefined) return;
    for (let r = 0; r < rows; r++) {
      if (!Number.isFinite(raw[r * inputs.length + j]!)) {
        throw new MlopsError('SCHEMA_MISMATCH', `${where}: row ${r + 1}, feature column "${input.name}" is null or not finite`, { details: { column: input.name, where, row: r + 1 } });
      }
    }
  });
  return { features: encodeRawMatrix(inputs, raw, rows), rows, unseen };
}
