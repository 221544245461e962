import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { throwIfAborted } from '../../errors.js';
import { eventLoopYielder } from '../../event-loop.js';
import type { ParquetCodec } from '../../io/parquet-encode.js';
import { inThreadEncoder, type RowGroupEncoder } from '../../io/parquet-writer.js';
import { ParquetEncodePool } from '../../io/workers/parquet-encode-pool.js';
import type { Classifier, ClassifierDescription } from '../../model/classifier.js';
import { forwardWasmAvailable } from '../../model/forward-wasm.js';
import { describeModelFiles } from '../../model/describe-files.js';
import { classifierFromFiles } from '../../model/format.js';
import type { ModelRef, PipelineState, PredictionSummary } from '../state.js';
import type { StageContext } from '../context.js';
import { fetchModel, type FetchedModel } from '../load-model.js';
import { canScoreOnWarehouse, scoreOnWarehouse } from './on-warehouse.js';
import { scoreOnSpark } from './on-spark.js';
import { openScoreInput, type ScoreInput } from './input.js';
import { ParquetOutput } from './output.js';
import { checkScoreOutput } from './check-output.js';
import { OUTPUT_MARKER, outputMarker } from './output-safety.js';
import { stageLocalOutput, stageVolumeOutput, type StagedOutput } from './output-files.js';
import { withPlainStrings } from './output-schema.js';
import { isParquetFileName, parseScoreParams, type ScoreJobOptions } from './params.js';
import { BatchScorer } from './score-batch.js';

/** Below this many input rows, starting worker threads (to decode or encode) costs more than it saves. */
const WORKER_THRESHOLD_ROWS = 200_000;
/**
 * A first batch scored without tfjs reports progress after this many of its rows, then scores the
 * rest of it: its output row group is the same. Introduced when that pass ran as cold JavaScript
 * (~3–15 µs a row: the first 65,536 rows took ~0.18 s at 10M rows); since its arithmetic runs in
 * WebAssembly (model/forward-wasm.ts) the whole first batch takes ~20 ms, and this early event
 * comes a few milliseconds before it.
 */
export const FIRST_PROGRESS_ROWS = 1024;
/** Part files written through a VolumeStore are collected in memory: start a new one after this many rows. */
const VOLUME_ROWS_PER_FILE = 1_000_000;

/**
 * A column chunk is written uncompressed when snappy saves less than this on a sample of it. Measured
 * on Iris-like output: the float32 probabilities compressed only to ~75%, for ~80% of all
 * compression time (features and scored_at are dictionary-encoded now, and snappy shrinks their
 * indices further).
 */
export const DEFAULT_MIN_COMPRESSION_SAVINGS = 0.3;

export interface ScoreTuning {
  /**
   * Encoding worker threads. Default: none for small inputs; for large ones, one per core less the
   * thread that decodes a local input ahead. 0 also keeps decoding on the calling thread.
   */
  workers?: number;
  /** Default snappy. */
  compression?: ParquetCodec;
  /** Default DEFAULT_MIN_COMPRESSION_SAVINGS; 0 compresses every column chunk. */
  minCompressionSavings?: number;
  /**
   * From this many input rows on (as the Parquet footers count them), the first batch is scored in
   * plain JavaScript (Float32Forward) while TensorFlow.js loads; every later batch by tfjs. Default
   * PLAIN_FIRST_BATCH_MIN_ROWS; Infinity: every batch by tfjs.
   */
  plainFirstBatchMinRows?: number;
}

/**
 * Inputs this large get their first batch scored without waiting for TensorFlow.js (~0.3–1 s to
 * load). The rule depends on the input alone, never on timing: the same input gives the same
 * output file, bit for bit, on every run and with any number of threads. Smaller inputs keep
 * every probability exactly tfjs's; the plain pass agrees with it within 2 float32 ulps.
 */
export const PLAIN_FIRST_BATCH_MIN_ROWS = WORKER_THRESHOLD_ROWS;

/**
 * batch_inference_job: streams the input (Parquet file, folder or table) through the model
 * (default the champion) one record batch at a time and writes predictions to a table (default)
 * or to Parquet at output_path. While this thread reads, normalises and scores, worker threads
 * encode and compress the Parquet row groups — so both cores work. Nothing is published until
 * every row is scored and written: a failure leaves the previous output as it was.
 */
export async function runScore(ctx: StageContext, params: Record<string, string>, _state: PipelineState, tuning: ScoreTuning = {}): Promise<PredictionSummary> {
  await checkScoreOutput(ctx, params);
  return scoreWith(ctx, parseScoreParams(params), tuning);
}

/**
 * runScore with its parameters already read (the score stage's declared run; the job runner has
 * checked the output's placement with checkScoreOutput before any stage ran).
 */
export async function scoreWith(ctx: StageContext, options: ScoreJobOptions, tuning: ScoreTuning = {}): Promise<PredictionSummary> {
  const scoredAt = ctx.now();
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  // The model's files first, without TensorFlow.js: they name the feature columns, so the input
  // can be opened (and, when large, decoded on a worker) while tfjs loads.
  const fetched = await fetchModel(ctx.workspace, options.modelUri, signal);
  const model = modelRef(fetched, options);
  const spark = ctx.spark;
  if (spark !== undefined) {
    // The Spark session opens while the model is described (from its files, or by TensorFlow.js,
    // which takes about a second to load); scoreOnSpark awaits the same session, and its failure there.
    spark.session(signal).catch(() => undefined);
    return withDescription(fetched, (description) => scoreOnSpark(ctx, spark, options, description, model, scoredAt));
  }
  const warehouse = ctx.workspace.sqlScoring;
  if (warehouse?.warehouseId && canScoreOnWarehouse(options)) {
    return withDescription(fetched, async (description) => {
      const summary = await scoreOnWarehouse(warehouse, options, description, model, scoredAt, ctx.signal);
      ctx.reporter.report({ type: 'log', stage: 'score', message: `${summary.rows} rows scored on SQL warehouse ${warehouse.warehouseId} with ${model.uri} → ${summary.table}` });
      return summary;
    });
  }
  const input = await openScoreInput(options.input, {
    featureNames: fetched.featureNames,
    categorical: fetched.categorical,
    batchSize: options.batchSize,
    volumes: ctx.workspace.volumes,
    tables: ctx.workspace.tables,
    baseDir: ctx.config.configDir,
    ...(tuning.workers === 0 ? {} : { readAheadMinRows: tuning.workers === undefined ? WORKER_THRESHOLD_ROWS : 0 }),
    ...signal,
  });
  try {
    return await scoreInput(ctx, options, fetched, model, input, scoredAt, tuning);
  } finally {
    await input.close();
  }
}

/**
 * The model's description for `use` (compiling it to SQL): read from its files without
 * TensorFlow.js when describeModelFiles understands them, else from the classifier tfjs builds.
 */
async function withDescription<T>(fetched: FetchedModel, use: (description: ClassifierDescription) => Promise<T>): Promise<T> {
  const description = describeModelFiles(fetched.files);
  return description !== undefined ? use(description) : withClassifier(fetched, (classifier) => use(classifier.describe()));
}

/** Builds the classifier for `use`, then frees it: its weights live in wasm memory, which a long-lived process running many jobs must get back. */
async function withClassifier<T>(fetched: FetchedModel, use: (classifier: Classifier) => Promise<T>): Promise<T> {
  const classifier = await classifierFromFiles(fetched.files);
  try {
    return await use(classifier);
  } finally {
    classifier.dispose();
  }
}

function modelRef(fetched: FetchedModel, options: ScoreJobOptions): ModelRef {
  const version = fetched.location.version;
  return {
    name: version?.name ?? options.modelName,
    version: version?.version ?? '',
    uri: version ? `models:/${version.name}/${version.version}` : options.modelUri,
  };
}

/**
 * Scores the input. For a large input (see PLAIN_FIRST_BATCH_MIN_ROWS) the first batch is scored
 * from the model's files in plain JavaScript, and TensorFlow.js is loaded after it — so the first
 * batch needs neither tfjs nor the reader thread. tfjs is loaded in every run, even one whose input
 * has a single batch: it checks the model as every other run does before anything is published.
 */
async function scoreInput(
  ctx: StageContext,
  options: ScoreJobOptions,
  fetched: FetchedModel,
  model: ModelRef,
  input: ScoreInput,
  scoredAt: number,
  tuning: ScoreTuning,
): Promise<PredictionSummary> {
  // The plain pass runs its sums in WebAssembly SIMD (model/forward-wasm.ts); a runtime without it scores every batch by tfjs.
  const plainFirst =
    input.rows !== undefined && input.rows >= (tuning.plainFirstBatchMinRows ?? PLAIN_FIRST_BATCH_MIN_ROWS) && forwardWasmAvailable() ? describeModelFiles(fetched.files) : undefined;
  // Without a plain first batch, the reading worker starts while tfjs loads; with one, after its first rows.
  if (plainFirst === undefined) input.startReading();
  let classifier = plainFirst === undefined ? await classifierFromFiles(fetched.files) : undefined;
  try {
    const scorer = new BatchScorer({ classifier: classifier ?? plainFirst!, modelName: model.name, modelVersion: model.version, scoredAt, onInvalid: options.onInvalid });
    const loadClassifier = async (): Promise<Classifier> => {
      classifier ??= await classifierFromFiles(fetched.files);
      if (!scorer.usesTfjs) scorer.useClassifier(classifier);
      return classifier;
    };
    return await scoreInputWith(ctx, options, scorer, loadClassifier, model, input, tuning);
  } finally {
    // Its weights live in wasm memory, which a long-lived process running many jobs must get back.
    classifier?.dispose();
  }
}

async function scoreInputWith(
  ctx: StageContext,
  options: ScoreJobOptions,
  scorer: BatchScorer,
  loadClassifier: () => Promise<Classifier>,
  model: ModelRef,
  input: ScoreInput,
  tuning: ScoreTuning,
): Promise<PredictionSummary> {
  const signal = ctx.signal ? { signal: ctx.signal } : {};

  let rows = 0;
  // Scoring is synchronous and a table writer pulls batches through resolved promises: without a
  // turn of the event loop now and then, Ctrl-C would not be seen until every row is scored.
  const yielder = eventLoopYielder();
  const progress = (done: number): void => {
    ctx.reporter.report({ type: 'progress', stage: 'score', done, ...(input.rows === undefined ? {} : { total: input.rows }), unit: 'rows' });
  };
  async function* scored(): AsyncGenerator<arrow.RecordBatch> {
    for await (const { batch, origin } of input.batches()) {
      await yielder();
      throwIfAborted(ctx.signal);
      // After a first batch scored in plain JavaScript, tfjs scores the rest.
      if (!scorer.usesTfjs && rows > 0) {
        await loadClassifier();
        throwIfAborted(ctx.signal);
      }
      // The first batch scored in plain JavaScript says so after its first rows: the rest of it runs as warmer code.
      const early = !scorer.usesTfjs && rows === 0 ? { rows: FIRST_PROGRESS_ROWS, scored: (done: number) => progress(done) } : undefined;
      const out = scorer.score(batch, origin, early);
      rows += out.numRows;
      progress(rows);
      // The reading worker starts once the first rows are scored (see ScoreInput.startReading), while tfjs loads.
      input.startReading();
      yield out;
    }
    await loadClassifier();
  }

  let summary: PredictionSummary;
  if (options.output.kind === 'table') {
    const table = options.output.name;
    const plain = async function* () {
      let any = false;
      for await (const batch of scored()) {
        any = true;
        yield withPlainStrings(batch, scorer.schema);
      }
      // An empty input still creates the table, with the prediction schema.
      if (!any) yield emptyBatch(scorer.schema);
    };
    const info = await ctx.workspace.tables.write(table, plain(), { mode: options.mode, ...signal });
    summary = { path: info.location, rows, table, model };
  } else {
    const encoder = tuning.workers === 0 ? inThreadEncoder : chooseEncoder(input, tuning.workers);
    try {
      const written = await writeParquet(ctx, options, scorer, scored(), encoder, tuning.compression ?? 'snappy', tuning.minCompressionSavings ?? DEFAULT_MIN_COMPRESSION_SAVINGS);
      summary = { path: written.location, rows, model };
    } finally {
      if (encoder instanceof ParquetEncodePool) await encoder.close();
    }
  }
  const classifier = await loadClassifier();
  const unseen = Object.fromEntries(classifier.inputs.flatMap((column, j) => (scorer.unseen[j]! > 0 ? [[column.name, scorer.unseen[j]!]] : [])));
  if (Object.keys(unseen).length > 0) summary.unseen_categories = unseen;
  ctx.reporter.report({
    type: 'log',
    stage: 'score',
    message:
      `${rows} rows from ${input.location} scored with ${model.uri} → ${summary.table ?? summary.path}` +
      (summary.unseen_categories ? `; values not seen in training (scored as all zeros): ${Object.entries(unseen).map(([k, v]) => `${k} ${v}`).join(', ')}` : '') +
      (scorer.scoredBy.plain > 0 ? `; the first ${scorer.scoredBy.plain} rows scored from the model's files, without TensorFlow.js, while it loaded` : ''),
  });
  return summary;
}

async function writeParquet(
  ctx: StageContext,
  options: ScoreJobOptions,
  scorer: BatchScorer,
  batches: AsyncIterable<arrow.RecordBatch>,
  encoder: RowGroupEncoder,
  compression: ParquetCodec,
  minCompressionSavings: number,
): Promise<{ location: string }> {
  const target = (options.output as { kind: 'path'; path: string }).path;
  const layout = isParquetFileName(target) ? 'file' : 'folder';
  const marker = { name: OUTPUT_MARKER, content: outputMarker(ctx.now()) };
  const stagingOptions = { layout, mode: options.mode, marker, ...(ctx.signal ? { signal: ctx.signal } : {}) } as const;
  const volumes = ctx.workspace.volumes as typeof ctx.workspace.volumes & { localPath?: (volumePath: string) => string };
  const remote = target.startsWith('/Volumes/') && typeof volumes.localPath !== 'function';
  // The output is staged while the first batch is read and scored (its folders and files are I/O
  // this thread need not wait for); the first write waits for it. Nothing is published before commit.
  const staging: Promise<StagedOutput> = !target.startsWith('/Volumes/')
    ? stageLocalOutput(path.resolve(ctx.config.configDir, target), stagingOptions)
    : !remote
      ? stageLocalOutput(volumes.localPath!(target), stagingOptions)
      : stageVolumeOutput(volumes, target, stagingOptions);
  // Its failure is seen where it is awaited; until then it must not count as unhandled.
  staging.catch(() => undefined);
  let output: ParquetOutput | undefined;
  const open = async (): Promise<ParquetOutput> =>
    new ParquetOutput(await staging, {
      schema: scorer.batchSchema,
      encoder,
      compression,
      minCompressionSavings,
      layout,
      ...(options.partitionBy === undefined ? {} : { partitionBy: options.partitionBy }),
      runId: randomUUID(),
      ...(remote ? { maxRowsPerFile: VOLUME_ROWS_PER_FILE } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  try {
    for await (const batch of batches) {
      output ??= await open();
      await output.write(batch);
    }
    output ??= await open();
    await output.commit();
  } catch (error) {
    // What was staged goes, whether or not a batch was written to it.
    if (output !== undefined) await output.abort();
    else await staging.then((staged) => staged.abort()).catch(() => undefined);
    throw error;
  }
  // Where the user asked for it: the volume path, or the local path it resolved to.
  // As the user named it: a volume path stays a volume path, a local path is made absolute.
  return { location: target.startsWith('/Volumes/') ? target : (await staging).location };
}

function chooseEncoder(input: ScoreInput, workers: number | undefined): RowGroupEncoder {
  if (workers === undefined && (input.rows === undefined || input.rows < WORKER_THRESHOLD_ROWS)) return inThreadEncoder;
  // One thread per core between the reader and the encoders: on 2 cores, 1 encoder beside the
  // reader scored 10M rows in 2.8 s (5.7 s CPU), 2 encoders in 3.1 s (6.1 s CPU).
  return new ParquetEncodePool(workers ?? Math.max(1, availableParallelism() - input.readerThreads));
}

function emptyBatch(schema: arrow.Schema): arrow.RecordBatch {
  const children = schema.fields.map((field) => arrow.vectorFromArray([], field.type).data[0]!);
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: 0, nullCount: 0, children }));
}
