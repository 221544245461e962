import type { RecordBatch, Table } from 'apache-arrow';
import { MlopsError } from '../errors.js';

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
