import { Float64, Table as ArrowTable, Utf8, vectorFromArray, type Table, type Vector } from 'apache-arrow';
import { MlopsError } from '../../errors.js';
import { categoryIndex, encodeRawMatrix, vocabularyLookup, type InputColumn } from '../../model/encoding.js';
import type { StageContext } from '../context.js';
import { distinctLabels, toLabelIndices } from '../features.js';
import { readIngested } from '../ingest/read.js';
import { isTableName } from '../score/params.js';
import { pullTrainingTable } from './from-spark.js';
import { modelColumns, type IngestSchema } from '../ingest/schema.js';

/** One feature column as read: numbers (NaN = missing) or strings (null = missing). */
export type RawColumn = { name: string; kind: 'numeric'; values: Float64Array; impute: boolean } | { name: string; kind: 'categorical'; values: (string | null)[] };

/** The labelled rows of a dataset, before any encoding is learned. */
export interface TrainingTable {
  columns: RawColumn[];
  labelColumn: string;
  /** Sorted, so class indices do not depend on row order. */
  labelNames: string[];
  labels: Int32Array;
  rows: number;
}

/**
 * Every ingested row under data_path, read by the schema: its LABEL column (or its one IN column)
 * as class indices, every other column not marked EXCLUDE as a feature — DOUBLE/BIGINT/INT numeric
 * (a nullable one imputed), STRING categorical. NOT_FOUND when there is no row.
 */
export async function loadTrainingTable(ctx: StageContext, dataPath: string, schema: IngestSchema): Promise<TrainingTable> {
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  // On a Spark target a table name is a table of the engine; its rows are pulled as Arrow, up to a cap.
  const table = ctx.spark && isTableName(dataPath) ? await pullTrainingTable(ctx.spark, dataPath, schema, signal) : await readIngested(ctx.workspace.volumes, dataPath, signal);
  if (table.numRows === 0) {
    throw new MlopsError('NOT_FOUND', `No ingested rows under ${dataPath}: run data_ingestion_job first`, { details: { data_path: dataPath } });
  }
  return trainingTable(table, schema, dataPath);
}

export function trainingTable(table: Table, schema: IngestSchema, where: string): TrainingTable {
  const { label, features } = modelColumns(schema);
  const labelNames = distinctLabels(table, label.name);
  const labels = toLabelIndices(table, label.name, labelNames, where);
  const columns = features.map((feature): RawColumn => {
    const vector = table.getChild(feature.name);
    if (!vector) {
      throw new MlopsError('SCHEMA_MISMATCH', `${where}: feature column "${feature.name}" is missing (found ${table.schema.fields.map((f) => f.name).join(', ')})`, {
        details: { column: feature.name, where },
      });
    }
    if (feature.type === 'string') return { name: feature.name, kind: 'categorical', values: Array.from(vector, (v) => (v === null || v === undefined ? null : String(v))) };
    const values = new Float64Array(table.numRows);
    let i = 0;
    for (const value of vector) values[i++] = value === null || value === undefined ? NaN : Number(value);
    return { name: feature.name, kind: 'numeric', values, impute: feature.nullable };
  });
  return { columns, labelColumn: label.name, labelNames, labels, rows: table.numRows };
}

/** The raw matrix (rows × inputs) of the given rows under a learned encoding. */
export function rawMatrix(columns: readonly RawColumn[], inputs: readonly InputColumn[], rows: ArrayLike<number>): Float64Array {
  const count = columns.length;
  const raw = new Float64Array(rows.length * count);
  columns.forEach((column, j) => {
    const input = inputs[j]!;
    if (column.kind === 'numeric') {
      for (let i = 0; i < rows.length; i++) raw[i * count + j] = column.values[rows[i]!]!;
    } else {
      const lookup = input.kind === 'categorical' ? vocabularyLookup(input) : new Map<string, number>();
      for (let i = 0; i < rows.length; i++) raw[i * count + j] = categoryIndex(lookup, column.values[rows[i]!]);
    }
  });
  return raw;
}

/** The encoded features of the given rows; a missing value in a column that is not imputed is an error naming it. */
export function encodeRows(table: TrainingTable, inputs: readonly InputColumn[], rows: ArrayLike<number>, where: string): Float32Array {
  const raw = rawMatrix(table.columns, inputs, rows);
  const count = inputs.length;
  inputs.forEach((input, j) => {
    if (input.kind !== 'numeric' || input.impute !== undefined) return;
    for (let i = 0; i < rows.length; i++) {
      if (!Number.isFinite(raw[i * count + j]!)) {
        throw new MlopsError('SCHEMA_MISMATCH', `${where}: row ${rows[i]! + 1}, feature column "${input.name}" is missing or not finite, and the schema says NOT NULL`, {
          details: { column: input.name, where, row: rows[i]! + 1 },
        });
      }
    }
  });
  return encodeRawMatrix(inputs, raw, rows.length);
}

/** The given rows as a table of the raw columns and the label: how evaluation sets are stored. */
export function rawRowsTable(table: TrainingTable, rows: ArrayLike<number>): Table {
  const columns: Record<string, Vector> = {};
  for (const column of table.columns) {
    if (column.kind === 'numeric') {
      columns[column.name] = vectorFromArray(Array.from({ length: rows.length }, (_, i) => {
        const value = column.values[rows[i]!]!;
        return Number.isNaN(value) ? null : value;
      }), new Float64());
    } else {
      columns[column.name] = vectorFromArray(Array.from({ length: rows.length }, (_, i) => column.values[rows[i]!] ?? null), new Utf8());
    }
  }
  columns[table.labelColumn] = vectorFromArray(Array.from(rows, (r) => table.labelNames[table.labels[r]!]!), new Utf8());
  return new ArrowTable(columns);
}

/** Up to `count` raw input rows (null = missing), as a model's input example. */
export function rawExampleRows(table: TrainingTable, rows: ArrayLike<number>, count = 3): (number | string | null)[][] {
  return Array.from({ length: Math.min(count, rows.length) }, (_, i) =>
    table.columns.map((column) => {
      const value = column.values[rows[i]!];
      return typeof value === 'number' ? (Number.isNaN(value) ? null : value) : (value ?? null);
    }),
  );
}


/** Rows with numeric features only (what a scikit-learn import scores): features as they are, class indices. */
export interface LabelledData {
  features: Float32Array;
  labels: Int32Array;
  rows: number;
  labelNames: string[];
  featureNames: string[];
  labelColumn: string;
}

export async function loadLabelledData(ctx: StageContext, dataPath: string, schema: IngestSchema): Promise<LabelledData> {
  const table = await loadTrainingTable(ctx, dataPath, schema);
  const inputs = table.columns.map((column): InputColumn => {
    if (column.kind !== 'numeric') {
      throw new MlopsError('SCHEMA_MISMATCH', `${dataPath}: column "${column.name}" is a STRING feature; an imported scikit-learn model takes numeric features only (mark it EXCLUDE)`, {
        details: { column: column.name },
      });
    }
    return { name: column.name, kind: 'numeric' };
  });
  const all = Int32Array.from({ length: table.rows }, (_, i) => i);
  return {
    features: encodeRows(table, inputs, all, dataPath),
    labels: table.labels,
    rows: table.rows,
    labelNames: table.labelNames,
    featureNames: inputs.map((input) => input.name),
    labelColumn: table.labelColumn,
  };
}
