import * as arrow from 'apache-arrow';
import { MlopsError } from '../../errors.js';
import { threadBufferPool } from '../../io/buffer-pool.js';
import type { Classifier, ClassifierDescription } from '../../model/classifier.js';
import { encodeRawMatrix, isPlainNumeric, numericInputs, type InputColumn } from '../../model/encoding.js';
import { utf8Vector } from '../../io/utf8-vector.js';
import { Float32Forward } from '../../model/forward32.js';
import { rawMatrixFromArrow } from '../features.js';
import { dictionaryEncodedSchema, predictionSchema } from './output-schema.js';

/** What to do with a row whose features are null, NaN or infinite. */
export type OnInvalid = 'error' | 'null';

export interface BatchScorerOptions {
  /**
   * The model. A Classifier scores with TensorFlow.js; a description (read from the model's files,
   * see describeModelFiles) scores in plain JavaScript (Float32Forward) until `useClassifier` hands
   * over the Classifier — for the first batch, while tfjs loads.
   */
  classifier: Classifier | ClassifierDescription;
  modelName: string;
  modelVersion: string;
  /** Milliseconds since the epoch, written to every row's scored_at. */
  scoredAt: number;
  onInvalid: OnInvalid;
}

/** Where a batch came from, for error messages: the file (or table) and the row number of its first row. */
export interface BatchOrigin {
  source: string;
  firstRow: number;
}

/**
 * Scores record batches into prediction batches (pure: no I/O). Per batch: the feature columns are
 * normalised into one row-major float32 matrix, scored by tfjs in one predict call with
 * batchSize = rows, and assembled into the prediction schema with dictionary-encoded strings.
 * Every buffer of an output batch is freshly allocated, so the batch can be transferred to a worker.
 */
export class BatchScorer {
  /** The documented schema (plain strings). */
  readonly schema: arrow.Schema;
  /** The schema of the batches `score` returns: the same columns, strings dictionary-encoded. */
  readonly batchSchema: arrow.Schema;
  readonly #options: BatchScorerOptions;
  readonly #featureNames: string[];
  readonly #mean: number[];
  readonly #std: number[];
  readonly #labels: arrow.Vector<arrow.Utf8>;
  readonly #modelName: arrow.Vector<arrow.Utf8>;
  readonly #modelVersion: arrow.Vector<arrow.Utf8>;
  /** The model's input matrix, reused from batch to batch (tfjs copies it into wasm memory). */
  #normalized = new Float32Array(0);
  /** Set when the model encodes its inputs (categorical or imputed columns): the general path. */
  readonly #inputs: InputColumn[] | undefined;
  /** Per input, how many values were not in its vocabulary (categorical inputs; 0 for numeric ones). */
  readonly unseen: number[];
  /** What turns normalised features into probabilities: tfjs, or the plain-JS pass until useClassifier. */
  #engine: ProbabilityEngine;
  /** How many rows each engine scored: `plain` (JavaScript) and `tfjs`. */
  readonly scoredBy = { plain: 0, tfjs: 0 };
  readonly #labelNames: string[];

  constructor(options: BatchScorerOptions) {
    const { classifier } = options;
    this.#options = options;
    const inputs = classifier.inputs ?? numericInputs(classifier.featureNames);
    this.#featureNames = [...classifier.featureNames];
    this.#mean = classifier.normalization.mean;
    this.#std = classifier.normalization.std;
    this.#inputs = isPlainNumeric(inputs) ? undefined : inputs;
    this.unseen = inputs.map(() => 0);
    this.#engine = isClassifier(classifier) ? tfjsEngine(classifier) : plainEngine(new Float32Forward(classifier));
    this.schema = predictionSchema(this.#inputs ?? classifier.featureNames, classifier.labels, { withInvalidReason: options.onInvalid === 'null' });
    this.batchSchema = dictionaryEncodedSchema(this.schema);
    // Shared by every batch: the writer sends dictionaries by copy, never by transfer.
    this.#labels = utf8Vector(classifier.labels);
    this.#labelNames = [...classifier.labels];
    this.#modelName = utf8Vector([options.modelName]);
    this.#modelVersion = utf8Vector([options.modelVersion]);
  }

  get featureNames(): readonly string[] {
    return this.#featureNames;
  }

  /** Whether batches are scored by TensorFlow.js (else by the plain-JS pass, until useClassifier). */
  get usesTfjs(): boolean {
    return this.#engine.tfjs;
  }

  /** From now on, scores with `classifier` (TensorFlow.js): the same model as the description it started with. */
  useClassifier(classifier: Classifier): void {
    if (classifier.featureNames.join('\u0000') !== this.#featureNames.join('\u0000') || classifier.labels.join('\u0000') !== this.#labelNames.join('\u0000')) {
      throw new MlopsError('INTERNAL', `The classifier (features ${classifier.featureNames.join(', ')}; labels ${classifier.labels.join(', ')}) is not the model this scorer started with`);
    }
    this.#engine = tfjsEngine(classifier);
  }

  /**
   * Scores one batch into one prediction batch. With `early`, a numeric batch of more rows than
   * `early.rows` is scored in two steps, its first `early.rows` rows first, and `early.scored` is
   * called between them: the caller can say rows are scored before the whole batch is (its first
   * progress event, while the first steps run as cold, not yet optimised code). Every row is
   * scored as without it — each row's values depend on that row alone — and once.
   */
  score(input: arrow.RecordBatch, origin: BatchOrigin, early?: { rows: number; scored: (rows: number) => void }): arrow.RecordBatch {
    if (this.#inputs !== undefined) return this.#scoreEncoded(this.#inputs, input, origin);
    const rows = input.numRows;
    const featureCount = this.#featureNames.length;
    const labelCount = this.#labels.length;
    const features = this.#featureNames.map((name) => featureColumn(input, name, origin));
    if (this.#normalized.length < rows * featureCount) this.#normalized = new Float32Array(rows * featureCount);
    // Output buffers come from the pool: they travel to an encoding worker and come back.
    const pool = threadBufferPool;
    const predicted = pool.int32(rows);
    const columns = Array.from({ length: labelCount }, () => pool.float64(rows));
    // One flag per row; reasons are only built for the (rare) invalid rows.
    let invalid: Uint8Array | undefined;
    const split = early !== undefined && early.rows > 0 && early.rows < rows ? early.rows : rows;
    for (const [from, to] of split < rows ? [[0, split], [split, rows]] : [[0, rows]]) {
      invalid = this.#scoreRows(features, from!, to!, rows, columns, predicted, invalid, origin);
      if (to === split && split < rows) early!.scored(split);
    }

    const validRows = invalid === undefined ? undefined : validityOf(invalid, rows);
    const nullCount = invalid === undefined ? 0 : rows - countValid(invalid);
    const fields = this.batchSchema.fields;
    const children: arrow.Data[] = [];
    features.forEach(({ values, validity, nulls }, column) => {
      children.push(arrow.makeData({ type: fields[column]!.type as arrow.Float64, length: rows, nullCount: nulls, data: values, ...(validity ? { nullBitmap: validity } : {}) }));
    });
    children.push(dictionaryData(fields[featureCount]!.type, this.#labels, predicted, validRows, nullCount));
    columns.forEach((values, label) => {
      children.push(
        arrow.makeData({
          type: fields[featureCount + 1 + label]!.type as arrow.Float64,
          length: rows,
          nullCount,
          data: values,
          ...(validRows ? { nullBitmap: validRows.slice() } : {}),
        }),
      );
    });
    let next = featureCount + 1 + labelCount;
    if (this.#options.onInvalid === 'null') {
      children.push(reasonData(fields[next]!.type, features, this.#featureNames, invalid, rows));
      next++;
    }
    children.push(dictionaryData(fields[next]!.type, this.#modelName, pool.int32(rows).fill(0), undefined, 0));
    children.push(dictionaryData(fields[next + 1]!.type, this.#modelVersion, pool.int32(rows).fill(0), undefined, 0));
    children.push(
      arrow.makeData({ type: fields[next + 2]!.type as arrow.TimestampMillisecond, length: rows, nullCount: 0, data: pool.bigInt64(rows).fill(BigInt(this.#options.scoredAt)) }),
    );
    const struct = arrow.makeData({ type: new arrow.Struct(fields), length: rows, nullCount: 0, children });
    return new arrow.RecordBatch(this.batchSchema, struct);
  }

  /**
   * Rows [from, to) of the numeric path: normalised into one row-major float32 matrix (rows with a
   * null, NaN or infinite feature fail, or are flagged in `invalid` and scored as zeros), then
   * scored into `columns` and `predicted` at the same rows. Returns `invalid`, allocated at the first invalid row.
   */
  #scoreRows(features: FeatureColumn[], from: number, to: number, rows: number, columns: Float64Array[], predicted: Int32Array, invalid: Uint8Array | undefined, origin: BatchOrigin): Uint8Array | undefined {
    const count = to - from;
    const featureCount = features.length;
    // The plain pass scores columns without nulls in one pass through its WebAssembly kernel, the
    // same bits as below; it declines (writing nothing) when a value is NaN or infinite.
    const forward = this.#engine.forward;
    if (forward !== undefined && count > 0 && features.every((feature) => feature.validity === undefined)) {
      if (forward.scoreColumns(features.map((feature) => feature.values), from, to, this.#mean, this.#std, columns, predicted)) {
        this.scoredBy.plain += count;
        return invalid;
      }
    }
    const normalized = this.#normalized.subarray(0, count * featureCount);
    let flagged = false;
    for (let column = 0; column < featureCount; column++) {
      const { values, validity } = features[column]!;
      const mean = this.#mean[column]!;
      const std = this.#std[column]!;
      let bad = 0;
      for (let row = from, at = column; row < to; row++, at += featureCount) {
        // Rounded to float32 first, as the Classifier does: the same bits as Classifier.predictProba.
        const value = Math.fround(values[row]!);
        normalized[at] = (value - mean) / std;
        // value - value is 0 for every finite number, NaN for NaN and ±Infinity.
        if (value - value !== 0) bad++;
      }
      if (bad > 0 || validity !== undefined) {
        // Rare: find the rows again, one by one.
        for (let row = from; row < to; row++) {
          const value = Math.fround(values[row]!);
          if (value - value !== 0 || (validity !== undefined && ((validity[row >> 3]! >> (row & 7)) & 1) === 0)) {
            invalid ??= new Uint8Array(rows);
            invalid[row] = 1;
            flagged = true;
          }
        }
      }
    }
    if (flagged && this.#options.onInvalid === 'error') {
      const row = invalid!.indexOf(1, from);
      throw invalidRowError(features, this.#featureNames, row, origin);
    }
    if (flagged) {
      for (let row = from; row < to; row++) if (invalid![row] === 1) normalized.fill(0, (row - from) * featureCount, (row - from + 1) * featureCount);
    }
    if (count > 0) {
      this.#probabilities(normalized, count, featureCount, from === 0 && to === rows ? columns : columns.map((values) => values.subarray(from, to)), from === 0 ? predicted : predicted.subarray(from, to));
    }
    return invalid;
  }

  #probabilities(normalized: Float32Array, rows: number, featureCount: number, columns: Float64Array[], predicted: Int32Array): void {
    const engine = this.#engine;
    engine.run(normalized, rows, featureCount, (probabilities) => splitProbabilities(probabilities, rows, columns, predicted));
    if (engine.tfjs) this.scoredBy.tfjs += rows;
    else this.scoredBy.plain += rows;
  }

  /**
   * The general path, for models that encode their inputs: the raw columns are read into a raw
   * matrix, encoded (one-hot, imputation; see encoding.ts), standardised and scored like the plain
   * path. A row is invalid when a numeric input that is not imputed is null, NaN or infinite.
   */
  #scoreEncoded(inputs: InputColumn[], input: arrow.RecordBatch, origin: BatchOrigin): arrow.RecordBatch {
    const rows = input.numRows;
    const width = this.#featureNames.length;
    const labelCount = this.#labels.length;
    const { raw, unseen } = rawMatrixFromArrow(inputs, input, origin.source);
    unseen.forEach((count, j) => (this.unseen[j]! += count));
    let invalid: Uint8Array | undefined;
    const reasons = new Map<number, string>();
    inputs.forEach((column, j) => {
      if (column.kind !== 'numeric' || column.impute !== undefined) return;
      for (let row = 0; row < rows; row++) {
        const value = raw[row * inputs.length + j]!;
        if (Number.isFinite(value)) continue;
        const problem = Number.isNaN(value) ? (input.getChild(column.name)?.get(row) === null ? 'null' : 'NaN') : String(value);
        if (this.#options.onInvalid === 'error') {
          throw new MlopsError(
            'INVALID_ARGUMENT',
            `${origin.source}, row ${origin.firstRow + row}: feature "${column.name}" is ${problem}; expected a finite number. Set on_invalid: null to write such rows with a null prediction and a reason instead`,
            { details: { source: origin.source, row: origin.firstRow + row, column: column.name } },
          );
        }
        invalid ??= new Uint8Array(rows);
        invalid[row] = 1;
        reasons.set(row, `${reasons.has(row) ? `${reasons.get(row)}; ` : ''}${column.name} is ${problem}`);
      }
    });
    const normalized = encodeRawMatrix(inputs, raw, rows);
    for (let row = 0; row < rows; row++) {
      for (let k = 0, at = row * width; k < width; k++, at++) {
        normalized[at] = invalid?.[row] === 1 ? 0 : (Math.fround(normalized[at]!) - this.#mean[k]!) / this.#std[k]!;
      }
    }
    const pool = threadBufferPool;
    const predicted = pool.int32(rows);
    const columns = Array.from({ length: labelCount }, () => pool.float64(rows));
    if (rows > 0) this.#probabilities(normalized, rows, width, columns, predicted);

    const validRows = invalid === undefined ? undefined : validityOf(invalid, rows);
    const nullCount = invalid === undefined ? 0 : rows - countValid(invalid);
    const fields = this.batchSchema.fields;
    const children: arrow.Data[] = inputs.map((column, j) => {
      const vector = input.getChild(column.name)!;
      if (column.kind === 'numeric') {
        const values = new Float64Array(rows);
        const validity = new Uint8Array(Math.ceil(rows / 8));
        let nulls = 0;
        for (let row = 0; row < rows; row++) {
          const value = vector.get(row);
          if (value === null || value === undefined) nulls++;
          else {
            values[row] = Number(value);
            validity[row >> 3]! |= 1 << (row & 7);
          }
        }
        return arrow.makeData({ type: fields[j]!.type as arrow.Float64, length: rows, nullCount: nulls, data: values, ...(nulls > 0 ? { nullBitmap: validity } : {}) });
      }
      return dictionaryOf(fields[j]!.type, Array.from({ length: rows }, (_, row) => vector.get(row) as unknown));
    });
    children.push(dictionaryData(fields[inputs.length]!.type, this.#labels, predicted, validRows, nullCount));
    columns.forEach((values, label) => {
      children.push(
        arrow.makeData({ type: fields[inputs.length + 1 + label]!.type as arrow.Float64, length: rows, nullCount, data: values, ...(validRows ? { nullBitmap: validRows.slice() } : {}) }),
      );
    });
    let next = inputs.length + 1 + labelCount;
    if (this.#options.onInvalid === 'null') {
      children.push(dictionaryOf(fields[next]!.type, Array.from({ length: rows }, (_, row) => reasons.get(row) ?? null)));
      next++;
    }
    children.push(dictionaryData(fields[next]!.type, this.#modelName, pool.int32(rows).fill(0), undefined, 0));
    children.push(dictionaryData(fields[next + 1]!.type, this.#modelVersion, pool.int32(rows).fill(0), undefined, 0));
    children.push(
      arrow.makeData({ type: fields[next + 2]!.type as arrow.TimestampMillisecond, length: rows, nullCount: 0, data: pool.bigInt64(rows).fill(BigInt(this.#options.scoredAt)) }),
    );
    const struct = arrow.makeData({ type: new arrow.Struct(fields), length: rows, nullCount: 0, children });
    return new arrow.RecordBatch(this.batchSchema, struct);
  }
}

interface ProbabilityEngine {
  tfjs: boolean;
  /** The plain pass, which can also normalise and split (Float32Forward.scoreColumns). */
  forward?: Float32Forward;
  run(normalized: Float32Array, rows: number, featureCount: number, use: (probabilities: Float32Array) => void): void;
}

function isClassifier(model: Classifier | ClassifierDescription): model is Classifier {
  return 'model' in model;
}

function tfjsEngine(classifier: Classifier): ProbabilityEngine {
  return { tfjs: true, run: (normalized, rows, featureCount, use) => withProbabilities(classifier, normalized, rows, featureCount, use) };
}

function plainEngine(forward: Float32Forward): ProbabilityEngine {
  let out = new Float32Array(0);
  return {
    tfjs: false,
    forward,
    run: (normalized, rows, featureCount, use) => {
      if (out.length < rows * forward.labelCount) out = new Float32Array(rows * forward.labelCount);
      const probabilities = out.subarray(0, rows * forward.labelCount);
      forward.probabilities(normalized.subarray(0, rows * featureCount), rows, probabilities);
      use(probabilities);
    },
  };
}

/**
 * Runs the classifier on normalised features — the whole batch as one tensor — and hands the
 * row-major probabilities to `use`, a view only valid inside it (see Classifier.withProbabilities).
 */
export function withProbabilities(classifier: Classifier, normalized: Float32Array, rows: number, featureCount: number, use: (probabilities: Float32Array) => void): void {
  classifier.withProbabilities(normalized.subarray(0, rows * featureCount), rows, use);
}

/**
 * One pass over the row-major probabilities: each label's column, and the predicted label per row.
 * Strictly greater wins, so the first label takes ties, as Classifier.predictLabels and numpy's
 * argmax do (and a NaN probability never wins over the label before it).
 */
export function splitProbabilities(probabilities: Float32Array, rows: number, columns: Float64Array[], predicted: Int32Array): void {
  const labelCount = columns.length;
  if (labelCount === 3) {
    // The common case (Iris and most small classifiers), with the columns held in locals.
    const [first, second, third] = columns as [Float64Array, Float64Array, Float64Array];
    for (let row = 0, at = 0; row < rows; row++, at += 3) {
      const a = probabilities[at]!;
      const b = probabilities[at + 1]!;
      const c = probabilities[at + 2]!;
      first[row] = a;
      second[row] = b;
      third[row] = c;
      predicted[row] = c > (b > a ? b : a) ? 2 : b > a ? 1 : 0;
    }
    return;
  }
  for (let row = 0, at = 0; row < rows; row++, at += labelCount) {
    let best = probabilities[at]!;
    let label = 0;
    columns[0]![row] = best;
    for (let candidate = 1; candidate < labelCount; candidate++) {
      const value = probabilities[at + candidate]!;
      columns[candidate]![row] = value;
      if (value > best) {
        best = value;
        label = candidate;
      }
    }
    predicted[row] = label;
  }
}

interface FeatureColumn {
  /** As the output column: float64, copied from the input (shared when it is float64 already). */
  values: Float64Array;
  validity: Uint8Array | undefined;
  nulls: number;
}

function featureColumn(input: arrow.RecordBatch, name: string, origin: BatchOrigin): FeatureColumn {
  const vector = input.getChild(name);
  if (vector === null) {
    throw new MlopsError('SCHEMA_MISMATCH', `${origin.source}: feature column "${name}" is missing (found ${input.schema.fields.map((f) => f.name).join(', ')})`, {
      details: { source: origin.source, column: name },
    });
  }
  const type = vector.type;
  if (!(arrow.DataType.isFloat(type) || arrow.DataType.isInt(type))) {
    throw new MlopsError('SCHEMA_MISMATCH', `${origin.source}: feature column "${name}" must be numeric, found ${String(type)}`, {
      details: { source: origin.source, column: name, type: String(type) },
    });
  }
  const rows = input.numRows;
  const data = vector.data.length === 1 ? vector.data[0]! : undefined;
  if (data === undefined) return featureColumnByValue(vector, rows);
  const source = data.values as ArrayLike<number | bigint>;
  const validity = data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0 ? realign(data.nullBitmap, data.offset, rows) : undefined;
  const nulls = validity === undefined ? 0 : data.nullCount;
  // Arrow JS has already sliced the values of a sliced Data; only its validity bitmap needs `offset`.
  // A column that owns its buffer (as openParquetFile gives them) becomes the output column as is;
  // one that shares a buffer with others is copied, so that handing the output on never touches them.
  if (source instanceof Float64Array && source.length === rows && source.byteOffset === 0 && source.buffer.byteLength === rows * 8) {
    return { values: source, validity, nulls };
  }
  const values = threadBufferPool.float64(rows);
  if (source instanceof Float64Array) {
    values.set(source.subarray(0, rows));
    return { values, validity, nulls };
  }
  if (source instanceof BigInt64Array || source instanceof BigUint64Array) {
    for (let row = 0; row < rows; row++) values[row] = Number(source[row]!);
  } else {
    const numbers = source as ArrayLike<number>;
    for (let row = 0; row < rows; row++) values[row] = numbers[row]!;
  }
  return { values, validity, nulls };
}

/** For columns in several chunks: slower, value by value. */
function featureColumnByValue(vector: arrow.Vector, rows: number): FeatureColumn {
  const values = new Float64Array(rows);
  let validity: Uint8Array | undefined;
  let nulls = 0;
  let row = 0;
  for (const value of vector as Iterable<number | bigint | null>) {
    if (value === null || value === undefined) {
      validity ??= new Uint8Array(Math.ceil(rows / 8)).fill(0xff);
      validity[row >> 3]! &= ~(1 << (row & 7));
      nulls++;
    } else {
      values[row] = Number(value);
    }
    row++;
  }
  return { values, validity, nulls };
}

/** A validity bitmap starting at bit 0, copied so that the output owns it. */
function realign(bitmap: Uint8Array, offset: number, rows: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(rows / 8));
  if (offset % 8 === 0) {
    out.set(bitmap.subarray(offset / 8, offset / 8 + out.length));
    return out;
  }
  for (let row = 0; row < rows; row++) {
    const bit = offset + row;
    if ((bitmap[bit >> 3]! >> (bit & 7)) & 1) out[row >> 3]! |= 1 << (row & 7);
  }
  return out;
}

function invalidRowError(features: FeatureColumn[], names: readonly string[], row: number, origin: BatchOrigin): MlopsError {
  const column = features.findIndex((feature) => problemOf(feature, row) !== undefined);
  const problem = problemOf(features[column]!, row)!;
  const rowNumber = origin.firstRow + row + 1;
  return new MlopsError(
    'INVALID_ARGUMENT',
    `${origin.source}, row ${rowNumber}: feature "${names[column]}" is ${problem}; expected a finite number. Set on_invalid: null to write such rows with a null prediction and a reason instead`,
    { details: { source: origin.source, row: rowNumber, column: names[column], found: problem } },
  );
}

function problemOf(feature: FeatureColumn, row: number): string | undefined {
  if (feature.validity !== undefined && ((feature.validity[row >> 3]! >> (row & 7)) & 1) === 0) return 'null';
  const value = feature.values[row]!;
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return String(value);
  if (!Number.isFinite(Math.fround(value))) return `${value}, beyond the float32 range the model computes in`;
  return undefined;
}

function reasonData(type: arrow.DataType, features: FeatureColumn[], names: readonly string[], invalid: Uint8Array | undefined, rows: number): arrow.Data {
  const indices = new Int32Array(rows);
  const reasons: string[] = [];
  const known = new Map<string, number>();
  if (invalid !== undefined) {
    for (let row = 0; row < rows; row++) {
      if (invalid[row] !== 1) continue;
      const reason = features
        .map((feature, column) => {
          const problem = problemOf(feature, row);
          return problem === undefined ? undefined : `${names[column]} is ${problem}`;
        })
        .filter((part) => part !== undefined)
        .join('; ');
      let index = known.get(reason);
      if (index === undefined) {
        index = reasons.length;
        reasons.push(reason);
        known.set(reason, index);
      }
      indices[row] = index;
    }
  }
  const valid = invalid === undefined ? rows : countValid(invalid);
  // A reason where the row is invalid, null where it was scored.
  const bitmap = invalid === undefined ? new Uint8Array(Math.ceil(rows / 8)) : invertedValidity(invalid, rows);
  return dictionaryData(type, arrow.vectorFromArray(reasons, new arrow.Utf8()), indices, bitmap, valid);
}

function dictionaryData(type: arrow.DataType, dictionary: arrow.Vector<arrow.Utf8>, indices: Int32Array, validity: Uint8Array | undefined, nullCount: number): arrow.Data {
  return arrow.makeData({
    type: type as arrow.Dictionary<arrow.Utf8, arrow.Int32>,
    length: indices.length,
    nullCount,
    data: indices,
    dictionary,
    ...(validity && nullCount > 0 ? { nullBitmap: validity } : {}),
  });
}

/** The Arrow validity bitmap (1 = valid) of the rows not flagged invalid. */
function validityOf(invalid: Uint8Array, rows: number): Uint8Array {
  const bitmap = new Uint8Array(Math.ceil(rows / 8));
  for (let row = 0; row < rows; row++) if (invalid[row] === 0) bitmap[row >> 3]! |= 1 << (row & 7);
  return bitmap;
}

function invertedValidity(invalid: Uint8Array, rows: number): Uint8Array {
  const bitmap = new Uint8Array(Math.ceil(rows / 8));
  for (let row = 0; row < rows; row++) if (invalid[row] === 1) bitmap[row >> 3]! |= 1 << (row & 7);
  return bitmap;
}

function countValid(invalid: Uint8Array): number {
  let valid = 0;
  for (let row = 0; row < invalid.length; row++) if (invalid[row] === 0) valid++;
  return valid;
}


/** A string column (null where missing) as dictionary-encoded data with its own dictionary. */
function dictionaryOf(type: arrow.DataType, values: readonly unknown[]): arrow.Data {
  const known = new Map<string, number>();
  const entries: string[] = [];
  const indices = new Int32Array(values.length);
  const validity = new Uint8Array(Math.ceil(values.length / 8));
  let nulls = 0;
  values.forEach((value, row) => {
    if (value === null || value === undefined) {
      nulls++;
      return;
    }
    const text = String(value);
    let index = known.get(text);
    if (index === undefined) {
      index = entries.push(text) - 1;
      known.set(text, index);
    }
    indices[row] = index;
    validity[row >> 3]! |= 1 << (row & 7);
  });
  return dictionaryData(type, arrow.vectorFromArray(entries, new arrow.Utf8()), indices, validity, nulls);
}
