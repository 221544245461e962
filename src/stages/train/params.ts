import { HIDDEN_ACTIVATIONS, type HiddenActivation } from '../../model/network.js';
import { formatCount } from '../../report/format.js';
import type { TrainingOptions } from '../../model/train.js';
import { ParamError, parseDeclaredParams, type ParamProblem, type ParamsDeclaration } from '../declaration.js';
import { custom, decimal, integer, oneOf, text } from '../param-types.js';
import { EXPERIMENT_PATH, MODEL_NAME } from '../shared-params.js';
import { SCHEMA_PARAM } from '../ingest/params.js';
import { formatSchema, modelColumns, type IngestSchema } from '../ingest/schema.js';
import { isMlopsError } from '../../errors.js';

export type { TrainingOptions } from '../../model/train.js';

export const MODEL_TYPES = ['softmax', 'mlp'] as const;
/** softmax: softmax regression (no hidden layer); mlp: hidden_units dense layers before it. */
export type ModelType = (typeof MODEL_TYPES)[number];

/** Everything model_training_job reads to train: the model's options plus how rows are held out. */
export interface TrainingParameters extends TrainingOptions {
  modelType: ModelType;
  /** Fraction of the training rows that early stopping watches (only used with a patience). */
  validationSize: number;
  /**
   * At most this many rows train (fit + validation): above it, a seeded stratified sample of the
   * training part is used. The test part is never sampled. 0 = no limit.
   */
  maxTrainRows: number;
}

/** Bounds that keep a typo from asking for days of training or gigabytes of weights. */
export const TRAINING_LIMITS = { epochs: 100_000, batchSize: 1_048_576, unitsPerLayer: 4_096, hiddenLayers: 8, weights: 10_000_000 } as const;

/** model_training_job's parameters, as read. */
export interface TrainParams {
  pkl_path: string;
  experiment_path: string;
  model_name: string;
  data_path: string;
  schema: IngestSchema;
  /** '' follows hidden_units: none means softmax, some mean mlp. */
  model_type: ModelType | '';
  epochs: number;
  learning_rate: number;
  /** [] (from "" or "0") is no hidden layer. */
  hidden_units: number[];
  activation: HiddenActivation;
  train_batch_size: number;
  /** 0 = off. */
  early_stopping_patience: number;
  validation_size: number;
  /** 0 = no limit. */
  max_train_rows: number;
  seed: number;
  test_size: number;
}

const MAX_SEED = 2 ** 32 - 1;
const FRACTION = 'a number strictly between 0 and 1';

export const TRAIN_PARAMS: ParamsDeclaration<TrainParams> = {
  name: 'train',
  params: {
    pkl_path: text({ description: 'a scikit-learn .pkl to import instead of training ("" trains)' }),
    experiment_path: EXPERIMENT_PATH,
    model_name: MODEL_NAME,
    data_path: text({ description: 'the ingested Parquet to train on (a volume path)' }),
    schema: SCHEMA_PARAM,
    model_type: oneOf<ModelType | ''>(MODEL_TYPES, { default: '', empty: '', description: 'mlp (hidden_units layers, then softmax) or softmax (softmax regression)' }),
    epochs: integer({ default: '200', min: 1, max: TRAINING_LIMITS.epochs, empty: 200, description: 'passes over the training rows' }),
    learning_rate: decimal({ default: '0.05', exclusiveMin: 0, max: 10, empty: 0.05, expected: 'a positive number up to 10', description: "Adam's learning rate" }),
    hidden_units: custom({ default: '16', description: 'units per hidden layer, e.g. "16,8" ("" or "0" for none)', parse: parseHiddenUnits }),
    activation: oneOf(HIDDEN_ACTIVATIONS, { default: 'relu', empty: 'relu', description: 'the hidden layers\' activation' }),
    train_batch_size: integer({ default: '32', min: 1, max: TRAINING_LIMITS.batchSize, empty: 32, description: 'rows per gradient step' }),
    early_stopping_patience: integer({ default: '0', min: 0, max: TRAINING_LIMITS.epochs, empty: 0, description: 'epochs without a lower validation loss before stopping; 0 = off' }),
    validation_size: decimal({ default: '0.1', exclusiveMin: 0, exclusiveMax: 1, empty: 0.1, expected: FRACTION, description: 'share of the training rows early stopping watches' }),
    // 10,000 rows × 200 epochs is ~62,500 gradient steps of 32 rows: seconds, not hours, while a
    // few thousand rows already pin down a small network on a handful of features.
    max_train_rows: integer({ default: '10000', min: 0, max: Number.MAX_SAFE_INTEGER, empty: 10_000, description: 'rows that train at most (a seeded stratified sample above it); 0 = no limit' }),
    seed: integer({ default: '42', min: 0, max: MAX_SEED, empty: 42, description: 'seeds the split, the initialisers and the shuffles' }),
    test_size: decimal({ default: '0.2', exclusiveMin: 0, exclusiveMax: 1, empty: 0.2, expected: FRACTION, description: 'share of the rows held out for evaluation' }),
  },
  check(params) {
    const problems: ParamProblem[] = [];
    try {
      modelColumns(params.schema);
    } catch (error) {
      if (!isMlopsError(error)) throw error;
      problems.push({ parameter: 'schema', expected: error.message.replace(/^Job parameter "schema": /, 'a label and features: '), found: formatSchema(params.schema) });
    }
    if (!params.pkl_path && !params.data_path) problems.push({ parameter: 'data_path', expected: 'the ingested data to train on (or pkl_path to import a model)', found: '' });
    const units = params.model_type === 'softmax' ? [] : params.hidden_units;
    if (params.model_type === 'mlp' && units.length === 0) {
      problems.push({ parameter: 'hidden_units', expected: 'at least one hidden layer for model_type "mlp" (e.g. "16"), or model_type "softmax"', found: '0' });
    }
    // The inputs are not known before the data is read; 1,000 one-hot columns is a generous bound.
    let inputs = 1_000;
    let weights = 0;
    for (const layer of units) {
      weights += inputs * layer;
      inputs = layer;
    }
    if (weights > TRAINING_LIMITS.weights) {
      problems.push({ parameter: 'hidden_units', expected: `layers with at most ${formatCount(TRAINING_LIMITS.weights)} weights in all`, found: units.join(',') });
    }
    return problems;
  },
};

/** The options the model trainer takes, from the read parameters. */
export function trainingOptions(params: TrainParams): TrainingParameters {
  const modelType: ModelType = params.model_type === '' ? (params.hidden_units.length === 0 ? 'softmax' : 'mlp') : params.model_type;
  const options: TrainingParameters = {
    modelType,
    epochs: params.epochs,
    learningRate: params.learning_rate,
    hiddenUnits: modelType === 'softmax' ? [] : [...params.hidden_units],
    activation: params.activation,
    batchSize: params.train_batch_size,
    seed: params.seed,
    testSize: params.test_size,
    validationSize: params.validation_size,
    maxTrainRows: params.max_train_rows,
  };
  if (params.early_stopping_patience > 0) options.earlyStoppingPatience = params.early_stopping_patience;
  return options;
}

/** The options as MLflow params (strings, by their job parameter names). */
export function trainingOptionsToParams(options: TrainingParameters): Record<string, string> {
  const params: Record<string, string> = {
    model_type: options.modelType,
    epochs: String(options.epochs),
    learning_rate: String(options.learningRate),
    hidden_units: options.hiddenUnits.length === 0 ? '0' : options.hiddenUnits.join(','),
    activation: options.activation,
    train_batch_size: String(options.batchSize),
    seed: String(options.seed),
    test_size: String(options.testSize),
    max_train_rows: String(options.maxTrainRows),
  };
  if (options.earlyStoppingPatience !== undefined) {
    params['early_stopping_patience'] = String(options.earlyStoppingPatience);
    params['validation_size'] = String(options.validationSize);
  }
  return params;
}

function parseHiddenUnits(raw: string): number[] {
  const text = raw.trim();
  if (text === '' || text === '0') return [];
  const expected = `comma-separated positive integers like "16" or "16,8" ("" or "0" for none), at most ${TRAINING_LIMITS.hiddenLayers} layers of ${formatCount(TRAINING_LIMITS.unitsPerLayer)} units`;
  const units = text.split(',').map((part) => {
    const trimmed = part.trim();
    const n = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
    if (!(Number.isSafeInteger(n) && n >= 1 && n <= TRAINING_LIMITS.unitsPerLayer)) throw new ParamError(expected);
    return n;
  });
  if (units.length > TRAINING_LIMITS.hiddenLayers) throw new ParamError(expected);
  return units;
}

/** The declared defaults as the trainer's options: what benchmarks and tests train "the default model" with. */
export const TRAINING_DEFAULTS: Readonly<TrainingParameters> = Object.freeze(trainingOptions(parseDeclaredParams(TRAIN_PARAMS, {}).params));
