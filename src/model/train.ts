import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { MlopsError, throwIfAborted } from '../errors.js';
import { Classifier } from './classifier.js';
import type { InputColumn } from './encoding.js';
import { buildDenseNetwork, type HiddenActivation } from './network.js';
import { checkMatrixSize, computeNormalization, normalizeRows, type Normalization } from './normalization.js';
import { createRandom, permutation, type Random } from './random.js';
import { getTf, type Tf } from './tf.js';

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
  const model = buildDenseNetwork(tf, {
    inputUnits: featureCount,
    hiddenUnits: options.hiddenUnits,
    activation: options.activation,
    outputUnits: classCount,
    seed: Math.floor(random() * 2 ** 31),
  });
  const optimizer = tf.train.adam(options.learningRate);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  const validation = options.validation && toTensors(tf, options.validation, normalization, data);
  const bestWeights: { epoch: number; loss: number; weights: Tensor[] | undefined } = { epoch: -1, loss: Infinity, weights: undefined };
  try {
    const training = normalizeRows(data.features, data.rows, normalization, data.featureNames);
    const history: EpochMetrics[] = [];
    let stoppedEarly = false;
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      throwIfAborted(options.signal);
      const metrics = await trainOneEpoch(tf, model, training, data, random, options, validation, epoch);
      history.push(metrics);
      options.onEpoch?.(metrics);
      if (metrics.valLoss !== undefined && metrics.valLoss < bestWeights.loss) {
        bestWeights.loss = metrics.valLoss;
        bestWeights.epoch = epoch;
        if (options.earlyStoppingPatience !== undefined) {
          bestWeights.weights?.forEach((tensor) => tensor.dispose());
          bestWeights.weights = model.getWeights().map((tensor) => tensor.clone());
        }
      }
      if (options.earlyStoppingPatience !== undefined && epoch - bestWeights.epoch >= options.earlyStoppingPatience) {
        stoppedEarly = epoch < options.epochs - 1;
        break;
      }
    }
    // Without restoring, early stopping would hand back weights `patience` epochs past the best.
    if (bestWeights.weights !== undefined) model.setWeights(bestWeights.weights);
    const classifier = new Classifier({
      model,
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
      bestEpoch: bestWeights.epoch >= 0 ? bestWeights.epoch : undefined,
    };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    bestWeights.weights?.forEach((tensor) => tensor.dispose());
    validation?.features.dispose();
    validation?.targets.dispose();
    optimizer.dispose();
  }
}

interface TensorPair {
  features: Tensor;
  targets: Tensor;
}

async function trainOneEpoch(
  tf: Tf,
  model: LayersModel,
  normalized: Float32Array,
  data: TrainingData,
  random: Random,
  options: TrainClassifierOptions,
  validation: TensorPair | undefined,
  epoch: number,
): Promise<EpochMetrics> {
  const featureCount = data.featureNames.length;
  const order = permutation(data.rows, random);
  const shuffled = new Float32Array(normalized.length);
  const shuffledLabels = new Int32Array(data.rows);
  for (let row = 0; row < data.rows; row++) {
    const source = order[row]!;
    shuffled.set(normalized.subarray(source * featureCount, (source + 1) * featureCount), row * featureCount);
    shuffledLabels[row] = data.labels[source]!;
  }
  const features = tf.tensor2d(shuffled, [data.rows, featureCount], 'float32');
  const targets = oneHot(tf, shuffledLabels, data.labelNames.length);
  try {
    const fitted = await model.fit(features, targets, {
      epochs: 1,
      batchSize: options.batchSize,
      shuffle: false,
      verbose: 0,
      // Yielding to the event loop between batches costs ~30% here and buys nothing in Node.
      yieldEvery: 'never',
      validationData: validation === undefined ? undefined : [validation.features, validation.targets],
    });
    const value = (key: string): number | undefined => {
      const series = fitted.history[key];
      const first = series?.[0];
      return first === undefined ? undefined : typeof first === 'number' ? first : (first.dataSync()[0] as number);
    };
    const metrics: EpochMetrics = { epoch, loss: value('loss') ?? NaN, accuracy: value('acc') ?? value('accuracy') ?? NaN };
    if (validation !== undefined) {
      metrics.valLoss = value('val_loss') ?? NaN;
      metrics.valAccuracy = value('val_acc') ?? value('val_accuracy') ?? NaN;
    }
    return metrics;
  } finally {
    features.dispose();
    targets.dispose();
  }
}

function toTensors(tf: Tf, rows: LabelledRows, normalization: Normalization, data: TrainingData): TensorPair {
  const normalized = normalizeRows(rows.features, rows.rows, normalization, data.featureNames);
  return {
    features: tf.tensor2d(normalized, [rows.rows, data.featureNames.length], 'float32'),
    targets: oneHot(tf, rows.labels, data.labelNames.length),
  };
}

function oneHot(tf: Tf, labels: Int32Array, classCount: number): Tensor {
  const values = new Float32Array(labels.length * classCount);
  labels.forEach((label, row) => {
    values[row * classCount + label] = 1;
  });
  return tf.tensor2d(values, [labels.length, classCount], 'float32');
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
