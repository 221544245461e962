import { MlopsError, throwIfAborted } from '../errors.js';
import { eventLoopYielder } from '../event-loop.js';
import { Classifier } from './classifier.js';
import { createDenseTrainer } from './create-trainer.js';
import type { DenseTrainerInit, DenseTraining, PreparedRows } from './dense-trainer.js';
import type { InputColumn } from './encoding.js';
import { planDenseNetwork, startingLayers, type HiddenActivation, type NetworkLayer } from './network.js';
import { checkMatrixSize, computeNormalization, normalizeRows } from './normalization.js';
import { createRandom, permutation, type Random } from './random.js';
import { getTf } from './tf.js';

export interface TrainingOptions {
  epochs: number;
  learningRate: number;
  /** Units per hidden layer; [] trains softmax regression. */
  hiddenUnits: number[];
  activation: HiddenActivation;
  batchSize: number;
  seed: number;
  /** Fraction of rows held out for testing (used by the split, not by trainClassifier). */
  testSize: number;
  /** Stop after this many epochs without a lower validation loss; needs `validation`. */
  earlyStoppingPatience?: number;
}

/** Row-major features (rows × features) with one class index per row. */
export interface LabelledRows {
  features: Float32Array;
  labels: Int32Array;
  rows: number;
}

export interface TrainingData extends LabelledRows {
  featureNames: string[];
  labelNames: string[];
  /** The raw input columns the features were encoded from (see encoding.ts); default: the features. */
  inputs?: InputColumn[];
  labelColumn?: string;
  /** Feature columns left as they are by the normalisation (one-hot columns: mean 0, std 1). */
  unscaledFeatures?: readonly number[];
}

export interface EpochMetrics {
  /** 0-based, as MLflow's metric step. */
  epoch: number;
  /** Mean cross-entropy over the epoch's batches, as Keras reports it. */
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface TrainClassifierOptions extends TrainingOptions {
  signal?: AbortSignal;
  onEpoch?: (metrics: EpochMetrics) => void;
  /** Rows scored after every epoch (valLoss / valAccuracy) and watched by early stopping. */
  validation?: LabelledRows;
}

export interface TrainingResult {
  classifier: Classifier;
  history: EpochMetrics[];
  epochsRun: number;
  /**
   * True when early stopping ended training before `epochs`. Whenever earlyStoppingPatience is
   * set, the classifier has the weights of the epoch with the lowest validation loss.
   */
  stoppedEarly: boolean;
  /** The epoch with the lowest validation loss, when validation data was given. */
  bestEpoch: number | undefined;
}

/**
 * Trains a dense softmax classifier with Adam on cross-entropy.
 * Deterministic: the same data, options and backend give bit-identical weights and history —
 * initializers are seeded, and every epoch's order comes from our own seeded shuffle
 * (tfjs's `shuffle: true` is not seedable). Normalisation is fitted on the training rows only.
 */
export async function trainClassifier(data: TrainingData, options: TrainClassifierOptions): Promise<TrainingResult> {
  checkTrainingData(data);
  checkTrainingOptions(options);
  if (options.validation !== undefined) checkLabelledRows(options.validation, data, 'validation');
  if (options.earlyStoppingPatience !== undefined && options.validation === undefined) {
    throw new MlopsError('INVALID_ARGUMENT', `earlyStoppingPatience (${options.earlyStoppingPatience}) needs validation rows to watch`);
  }
  throwIfAborted(options.signal);
  const tf = await getTf();
  const featureCount = data.featureNames.length;
  const classCount = data.labelNames.length;
  const normalization = computeNormalization(data.features, data.rows, featureCount);
  for (const column of data.unscaledFeatures ?? []) {
    normalization.mean[column] = 0;
    normalization.std[column] = 1;
  }
  const random = createRandom(options.seed);
  const network = startingLayers(
    tf,
    planDenseNetwork({
      inputUnits: featureCount,
      hiddenUnits: options.hiddenUnits,
      activation: options.activation,
      outputUnits: classCount,
      seed: Math.floor(random() * 2 ** 31),
    }),
  );
  let trainer: DenseTraining | undefined;
  let validation: { prepared: PreparedRows; labels: Int32Array } | undefined;
  const best: { epoch: number; loss: number; weights: Float32Array | undefined } = { epoch: -1, loss: Infinity, weights: undefined };
  try {
    trainer = createDenseTrainer(tf, { layers: startingWeights(network), activation: options.activation, learningRate: options.learningRate });
    if (options.validation !== undefined) {
      const rows = options.validation;
      const normalized = normalizeRows(rows.features, rows.rows, normalization, data.featureNames);
      validation = { prepared: trainer.prepare(normalized, rows.rows), labels: rows.labels };
    }
    const training = normalizeRows(data.features, data.rows, normalization, data.featureNames);
    const history: EpochMetrics[] = [];
    const yielder = eventLoopYielder();
    let stoppedEarly = false;
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      throwIfAborted(options.signal);
      const metrics = await trainOneEpoch(trainer, training, data, random, options, yielder);
      metrics.epoch = epoch;
      if (validation !== undefined) {
        const scored = scoreProbabilities(trainer.predict(validation.prepared), validation.labels, classCount);
        metrics.valLoss = scored.loss;
        metrics.valAccuracy = scored.accuracy;
      }
      history.push(metrics);
      options.onEpoch?.(metrics);
      if (metrics.valLoss !== undefined && metrics.valLoss < best.loss) {
        best.loss = metrics.valLoss;
        best.epoch = epoch;
        if (options.earlyStoppingPatience !== undefined) best.weights = trainer.snapshot();
      }
      if (options.earlyStoppingPatience !== undefined && epoch - best.epoch >= options.earlyStoppingPatience) {
        stoppedEarly = epoch < options.epochs - 1;
        break;
      }
    }
    // Without restoring, early stopping would hand back weights `patience` epochs past the best.
    if (best.weights !== undefined) trainer.restore(best.weights);
    const trained = trainer.weights();
    const classifier = new Classifier({
      layers: network.map((layer, index) => ({ ...layer, kernel: trained[index]!.kernel, bias: trained[index]!.bias })),
      featureNames: data.featureNames,
      labels: data.labelNames,
      normalization,
      ...(data.inputs ? { inputs: data.inputs } : {}),
      ...(data.labelColumn ? { labelColumn: data.labelColumn } : {}),
    });
    return {
      classifier,
      history,
      epochsRun: history.length,
      stoppedEarly,
      bestEpoch: best.epoch >= 0 ? best.epoch : undefined,
    };
  } finally {
    if (validation !== undefined) trainer?.release(validation.prepared);
    trainer?.dispose();
  }
}

/** The network's seeded starting weights, layer by layer, as the trainer takes them. */
function startingWeights(network: readonly NetworkLayer[]): DenseTrainerInit['layers'] {
  return network.map((layer) => ({ shape: { inputUnits: layer.inputUnits, units: layer.units }, kernel: layer.kernel, bias: layer.bias }));
}

/** Keras clips probabilities to [ε, 1 − ε] before the log in categorical cross-entropy. */
const LOSS_EPSILON = 1e-7;

/** Summed cross-entropy and correct predictions over rows of probabilities. */
function addBatchScores(totals: { loss: number; hits: number }, probabilities: Float32Array, labels: Int32Array, offset: number, classCount: number): void {
  const rows = probabilities.length / classCount;
  for (let row = 0; row < rows; row++) {
    const base = row * classCount;
    const label = labels[offset + row]!;
    const p = Math.min(Math.max(probabilities[base + label]!, LOSS_EPSILON), 1 - LOSS_EPSILON);
    totals.loss -= Math.log(p);
    let best = 0;
    for (let k = 1; k < classCount; k++) if (probabilities[base + k]! > probabilities[base + best]!) best = k;
    if (best === label) totals.hits += 1;
  }
}

function scoreProbabilities(probabilities: Float32Array, labels: Int32Array, classCount: number): { loss: number; accuracy: number } {
  const totals = { loss: 0, hits: 0 };
  addBatchScores(totals, probabilities, labels, 0, classCount);
  return { loss: totals.loss / labels.length, accuracy: totals.hits / labels.length };
}

/**
 * One pass over the rows in a fresh seeded order, one gradient step per batch. Loss and accuracy
 * are the row-weighted means over the epoch's batches, each taken before its step (as Keras reports).
 */
async function trainOneEpoch(
  trainer: DenseTraining,
  normalized: Float32Array,
  data: TrainingData,
  random: Random,
  options: TrainClassifierOptions,
  yielder: () => Promise<void> | undefined,
): Promise<EpochMetrics> {
  const featureCount = data.featureNames.length;
  const classCount = data.labelNames.length;
  const rows = data.rows;
  const order = permutation(rows, random);
  const shuffled = new Float32Array(normalized.length);
  const shuffledLabels = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    const source = order[row]!;
    for (let column = 0; column < featureCount; column++) shuffled[row * featureCount + column] = normalized[source * featureCount + column]!;
    shuffledLabels[row] = data.labels[source]!;
  }
  const totals = { loss: 0, hits: 0 };
  for (let start = 0; start < rows; start += options.batchSize) {
    throwIfAborted(options.signal);
    const size = Math.min(options.batchSize, rows - start);
    const labels = shuffledLabels.subarray(start, start + size);
    const probabilities = trainer.step(shuffled.subarray(start * featureCount, (start + size) * featureCount), labels, size);
    addBatchScores(totals, probabilities, labels, 0, classCount);
    const pause = yielder();
    if (pause !== undefined) await pause;
  }
  return { epoch: 0, loss: totals.loss / rows, accuracy: totals.hits / rows };
}

function checkTrainingData(data: TrainingData): void {
  if (data.featureNames.length < 1) throw new MlopsError('INVALID_ARGUMENT', 'Training needs at least one feature, got none');
  if (data.labelNames.length < 2) {
    throw new MlopsError('INVALID_ARGUMENT', `Training needs at least two classes, got [${data.labelNames.join(', ')}]`);
  }
  if (data.rows < 1) throw new MlopsError('INVALID_ARGUMENT', `Training needs at least one row, got ${data.rows}`);
  checkLabelledRows(data, data, 'training');
}

function checkLabelledRows(rows: LabelledRows, data: TrainingData, what: string): void {
  checkMatrixSize(rows.features, rows.rows, data.featureNames.length, `${what} features`);
  if (rows.labels.length !== rows.rows) {
    throw new MlopsError('INVALID_ARGUMENT', `${what} labels has ${rows.labels.length} values; expected one per row (${rows.rows})`);
  }
  rows.labels.forEach((label, row) => {
    if (label < 0 || label >= data.labelNames.length) {
      throw new MlopsError(
        'INVALID_ARGUMENT',
        `${what} row ${row}: label index must be in 0..${data.labelNames.length - 1} (${data.labelNames.join(', ')}), got ${label}`,
        { details: { row, found: label } },
      );
    }
  });
}

function checkTrainingOptions(options: TrainingOptions): void {
  const positiveInteger = (name: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new MlopsError('INVALID_ARGUMENT', `${name} must be a positive integer, got ${value}`);
    }
  };
  positiveInteger('epochs', options.epochs);
  positiveInteger('batchSize', options.batchSize);
  positiveInteger('earlyStoppingPatience', options.earlyStoppingPatience);
  if (!(Number.isFinite(options.learningRate) && options.learningRate > 0)) {
    throw new MlopsError('INVALID_ARGUMENT', `learningRate must be a positive number, got ${options.learningRate}`);
  }
  if (!Number.isInteger(options.seed)) throw new MlopsError('INVALID_ARGUMENT', `seed must be an integer, got ${options.seed}`);
}
