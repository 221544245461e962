import { isAbsolute, resolve } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { readParquetBatches, tableToParquet } from '../../io/parquet.js';
import type { PipelineState, PredictionSummary } from '../../pipeline/state.js';
import { writeLocalFileAtomic } from '../../io/atomic-file.js';
import type { StageContext } from '../context.js';
import { loadModel } from '../load-model.js';
import { IRIS_FEATURES } from '../train/dataset.js';
import { predictionSchema } from './output-schema.js';
import { scoreBatch } from './score-batch.js';
import { Table } from 'apache-arrow';

const DEFAULT_BATCH_SIZE = 65_536;

/**
 * batch_inference_job: scores Parquet input with a registered model (the champion unless told
 * otherwise) one record batch at a time, and writes predictions to a table (default) or to a
 * Parquet file (`output_path`). The output is committed only once every batch has been scored.
 */
export async function runScore(ctx: StageContext, params: Record<string, string>, _state: PipelineState): Promise<PredictionSummary> {
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const modelName = params.model_name ?? '';
  const modelUri = params.model_uri || (modelName ? `models:/${modelName}@champion` : '');
  if (!modelUri) throw new MlopsError('CONFIG_INVALID', 'batch_inference_job needs model_uri or model_name', { details: { parameter: 'model_uri' } });
  const inputPath = params.input_path;
  if (!inputPath) throw new MlopsError('CONFIG_INVALID', 'batch_inference_job parameter "input_path" is required', { details: { parameter: 'input_path' } });
  const batchSize = parseBatchSize(params.batch_size);

  const { classifier, location } = await loadModel(ctx.workspace, modelUri, signal);
  const version = location.version;
  const model = {
    name: version?.name ?? modelName ?? '',
    version: version?.version ?? '',
    uri: version ? `models:/${version.name}/${version.version}` : modelUri,
  };
  const files = await inputFiles(ctx, inputPath);
  const scoredAt = ctx.now();
  const schema = predictionSchema(IRIS_FEATURES, classifier.labels);
  const batchContext = { classifier, featureNames: IRIS_FEATURES, modelName: model.name, modelVersion: model.version, scoredAt, schema };

  let rows = 0;
  async function* scored(): AsyncGenerator<RecordBatch> {
    for (const file of files) {
      const bytes = await ctx.workspace.volumes.read(file, signal);
      for (const batch of readParquetBatches(bytes, { batchSize })) {
        throwIfAborted(ctx.signal);
        const out = scoreBatch(batch, { ...batchContext, where: file });
        rows += out.numRows;
        yield out;
      }
    }
    ctx.reporter.report({ type: 'progress', stage: 'score', done: rows, unit: 'rows' });
  }

  let path: string;
  let table: string | undefined;
  if (params.output_path) {
    const batches: RecordBatch[] = [];
    for await (const b of scored()) batches.push(b);
    const bytes = tableToParquet(new Table(schema, batches));
    path = params.output_path;
    if (path.startsWith('/Volumes/')) await ctx.workspace.volumes.write(path, bytes, { overwrite: true, ...signal });
    else {
      path = isAbsolute(path) ? path : resolve(ctx.config.configDir, path);
      await writeLocalFileAtomic(path, bytes);
    }
  } else {
    table = qualifiedTableName(params);
    const info = await ctx.workspace.tables.write(table, scored(), { mode: 'overwrite', ...signal });
    path = info.location;
  }
  ctx.reporter.report({ type: 'log', stage: 'score', message: `${rows} rows scored with ${model.uri} → ${table ?? path}` });
  return { path, rows, ...(table ? { table } : {}), model };
}

/** output_table may be a bare name (placed in catalog_name.schema_name) or a full three-level name. */
export function qualifiedTableName(params: Record<string, string>): string {
  const name = params.output_table || 'iris_predictions';
  if (name.split('.').length === 3) return name;
  const catalog = params.catalog_name;
  const schema = params.schema_name;
  if (!catalog || !schema) {
    throw new MlopsError('CONFIG_INVALID', `output_table "${name}" is not a three-level name and catalog_name/schema_name are not set`, { details: { parameter: 'output_table' } });
  }
  return `${catalog}.${schema}.${name}`;
}

function parseBatchSize(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_BATCH_SIZE;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new MlopsError('INVALID_ARGUMENT', `batch_size must be a positive integer, got "${value}"`, { details: { parameter: 'batch_size', value } });
  }
  return n;
}

/** A Parquet file, or every .parquet file below a folder, in path order. */
async function inputFiles(ctx: StageContext, inputPath: string): Promise<string[]> {
  const stat = await ctx.workspace.volumes.stat(inputPath, ctx.signal ? { signal: ctx.signal } : {});
  if (!stat) throw new MlopsError('NOT_FOUND', `input_path ${inputPath} does not exist: run data_ingestion_job first or set input_path`, { details: { input_path: inputPath } });
  if (!stat.isDirectory) return [inputPath];
  const files: string[] = [];
  for await (const entry of ctx.workspace.volumes.list(inputPath, { recursive: true, ...(ctx.signal ? { signal: ctx.signal } : {}) })) {
    if (!entry.isDirectory && entry.path.endsWith('.parquet')) files.push(entry.path);
  }
  return files.sort();
}
