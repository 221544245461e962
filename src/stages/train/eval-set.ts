import { createHash } from 'node:crypto';
import { tableFromArrays, type Table } from 'apache-arrow';
import { tableToParquet } from '../../io/parquet.js';
import { streamWriterWrites } from '../../io/parquet-columns.js';
import { encodeParquet } from '../../io/parquet-writer.js';
import type { StageContext } from '../context.js';
import { IRIS_FEATURES, IRIS_LABEL } from './dataset.js';

/** The held-out rows, stored with the training run so evaluation scores exactly the same set. */
export const EVAL_SET_ARTIFACT = 'eval/evaluation_set.parquet';
/** Run tag (training and evaluation runs) holding the evaluation set's digest. */
export const EVAL_SET_DIGEST_TAG = 'mlops.eval_set_digest';

/** Row-major (encoded) features with one class index per row. */
export interface LabelledSet {
  features: Float32Array;
  labels: Int32Array;
  rows: number;
}

/** The given rows of a labelled set, in the order given. */
export function subsetRows(set: LabelledSet, rows: ArrayLike<number>): LabelledSet {
  const width = set.rows === 0 ? 0 : set.features.length / set.rows;
  const features = new Float32Array(rows.length * width);
  const labels = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    features.set(set.features.subarray(r * width, r * width + width), i * width);
    labels[i] = set.labels[r]!;
  }
  return { features, labels, rows: rows.length };
}

/** A set of numeric features as a table with the ingested column names (features as double, the label as string). */
export function evaluationSetTable(set: LabelledSet, labelNames: readonly string[], featureNames: readonly string[] = IRIS_FEATURES, labelColumn = IRIS_LABEL): Table {
  const columns: Record<string, Float64Array | string[]> = {};
  featureNames.forEach((name, j) => {
    const column = new Float64Array(set.rows);
    for (let r = 0; r < set.rows; r++) column[r] = set.features[r * featureNames.length + j]!;
    columns[name] = column;
  });
  columns[labelColumn] = Array.from(set.labels, (k) => labelNames[k]!);
  return tableFromArrays(columns);
}

/**
 * sha256 over the rows' feature bytes and label names (not indices, so two models that order
 * their classes differently still agree): the same rows in the same order give the same digest.
 */
export function datasetDigest(set: LabelledSet, labelNames: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(new Uint8Array(set.features.buffer, set.features.byteOffset, set.features.byteLength));
  for (const label of set.labels) hash.update(`${labelNames[label]}\n`);
  return hash.digest('hex');
}

/**
 * The set as a Parquet file. Written by our own encoder (ParquetStreamWriter), as ingestion writes
 * the rows it came from: on a first run that code is already compiled, where parquet-wasm's writer
 * would first be compiled for this one small file (~50 ms of a cold pipeline_job). Column types
 * the encoder does not write (e.g. booleans from a Spark table) go through parquet-wasm.
 */
export async function evaluationSetParquet(table: Table, signal?: AbortSignal): Promise<Uint8Array> {
  if (table.batches.length === 0 || !streamWriterWrites(table.schema)) return tableToParquet(table);
  return encodeParquet(table.batches, EVAL_SET_ARTIFACT, signal);
}

/**
 * Logs the set as the run's evaluation set and tags the run with its digest (over the encoded
 * features); returns the digest. `table` is the set's raw rows, when they are not its features.
 */
export async function logEvaluationSet(ctx: StageContext, runId: string, set: LabelledSet, labelNames: readonly string[], table?: Table): Promise<string> {
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const digest = datasetDigest(set, labelNames);
  await ctx.workspace.tracking.logArtifact(runId, EVAL_SET_ARTIFACT, await evaluationSetParquet(table ?? evaluationSetTable(set, labelNames), ctx.signal), signal);
  await ctx.workspace.tracking.setTag(runId, EVAL_SET_DIGEST_TAG, digest, signal);
  return digest;
}
