import { MlopsError } from '../../errors.js';
import { HIDDEN_ACTIVATIONS, type HiddenActivation } from '../../model/network.js';
import type { TrainingOptions } from '../../model/train.js';

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

export const TRAINING_DEFAULTS: Readonly<TrainingParameters> = Object.freeze({
  modelType: 'mlp',
  epochs: 200,
  learningRate: 0.05,
  hiddenUnits: [16],
  activation: 'relu',
  batchSize: 32,
  seed: 42,
  testSize: 0.2,
  validationSize: 0.1,
  // 10,000 rows × 200 epochs is ~62,500 gradient steps of 32 rows: seconds, not hours, while a
  // few thousand rows already pin down a small network on a handful of features.
  maxTrainRows: 10_000,
});

/** The job parameters read here, by their Databricks (snake_case) names. */
export const TRAINING_PARAMETERS = [
  'model_type',
  'epochs',
  'learning_rate',
  'hidden_units',
  'activation',
  'train_batch_size',
  'seed',
  'test_size',
  'early_stopping_patience',
  'validation_size',
  'max_train_rows',
] as const;

const MAX_SEED = 2 ** 32 - 1;

/**
 * Training options from job parameters, which are strings as in Databricks. A missing or empty
 * parameter takes its default — except hidden_units, where "" (like "0") asks for no hidden layer
 * (softmax regression) and only a missing key means the default 16. model_type "softmax" always
 * trains softmax regression (hidden_units is then ignored), "mlp" needs hidden units, and an
 * empty model_type follows hidden_units. early_stopping_patience "" or "0" leaves early stopping
 * off. Other parameters are ignored.
 */
export function parseTrainingOptions(parameters: Readonly<Record<string, string | undefined>>): TrainingParameters {
  const given = (name: string): string | undefined => {
    const value = parameters[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const hiddenUnits = parseHiddenUnits(parameters['hidden_units']);
  const modelType = parseModelType(given('model_type'), hiddenUnits, parameters['hidden_units']);
  const options: TrainingParameters = {
    modelType,
    epochs: parsePositiveInteger('epochs', given('epochs')) ?? TRAINING_DEFAULTS.epochs,
    learningRate: parsePositiveNumber('learning_rate', given('learning_rate')) ?? TRAINING_DEFAULTS.learningRate,
    hiddenUnits: modelType === 'softmax' ? [] : hiddenUnits,
    activation: parseActivation(given('activation')),
    batchSize: parsePositiveInteger('train_batch_size', given('train_batch_size')) ?? TRAINING_DEFAULTS.batchSize,
    seed: parseSeed(given('seed')),
    testSize: parseFraction('test_size', given('test_size')) ?? TRAINING_DEFAULTS.testSize,
    validationSize: parseFraction('validation_size', given('validation_size')) ?? TRAINING_DEFAULTS.validationSize,
    maxTrainRows: parseNonNegativeInteger('max_train_rows', given('max_train_rows')) ?? TRAINING_DEFAULTS.maxTrainRows,
  };
  const patience = given('early_stopping_patience');
  if (patience !== undefined) {
    const value = /^\d+$/.test(patience) ? Number(patience) : NaN;
    if (!Number.isSafeInteger(value)) throw invalid('early_stopping_patience', 'a non-negative integer (0 = off)', patience);
    if (value > 0) options.earlyStoppingPatience = value;
  }
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

function invalid(parameter: string, expected: string, found: string): MlopsError {
  return new MlopsError('INVALID_ARGUMENT', `${parameter} must be ${expected}, got ${JSON.stringify(found)}`, {
    details: { parameter, expected, found },
  });
}

function parsePositiveInteger(parameter: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(value) && value > 0)) throw invalid(parameter, 'a positive integer', text);
  return value;
}

function parseNonNegativeInteger(parameter: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) throw invalid(parameter, 'a non-negative integer (0 = no limit)', text);
  return value;
}

function parsePositiveNumber(parameter: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0)) throw invalid(parameter, 'a positive number', text);
  return value;
}

function parseFraction(parameter: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value > 0 && value < 1)) throw invalid(parameter, 'a number strictly between 0 and 1', text);
  return value;
}

function parseHiddenUnits(raw: string | undefined): number[] {
  if (raw === undefined) return [...TRAINING_DEFAULTS.hiddenUnits];
  const text = raw.trim();
  if (text === '' || text === '0') return [];
  const expected = 'comma-separated positive integers like "16" or "16,8" ("" or "0" for none)';
  return text.split(',').map((part) => {
    const trimmed = part.trim();
    if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1 || !Number.isSafeInteger(Number(trimmed))) throw invalid('hidden_units', expected, raw);
    return Number(trimmed);
  });
}

function parseModelType(text: string | undefined, hiddenUnits: number[], rawHiddenUnits: string | undefined): ModelType {
  if (text === undefined) return hiddenUnits.length === 0 ? 'softmax' : 'mlp';
  const lower = text.toLowerCase();
  if (!(MODEL_TYPES as readonly string[]).includes(lower)) throw invalid('model_type', `one of ${MODEL_TYPES.join(', ')}`, text);
  if (lower === 'mlp' && hiddenUnits.length === 0) {
    throw new MlopsError('INVALID_ARGUMENT', `model_type "mlp" needs at least one hidden layer, but hidden_units is ${JSON.stringify(rawHiddenUnits ?? '')}; set hidden_units (e.g. "16") or model_type "softmax"`, {
      details: { parameter: 'hidden_units', expected: 'positive integers', found: rawHiddenUnits ?? '' },
    });
  }
  return lower as ModelType;
}

function parseActivation(text: string | undefined): HiddenActivation {
  if (text === undefined) return TRAINING_DEFAULTS.activation;
  const lower = text.toLowerCase();
  if (!(HIDDEN_ACTIVATIONS as readonly string[]).includes(lower)) throw invalid('activation', `one of ${HIDDEN_ACTIVATIONS.join(', ')}`, text);
  return lower as HiddenActivation;
}

function parseSeed(text: string | undefined): number {
  if (text === undefined) return TRAINING_DEFAULTS.seed;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(Number.isInteger(value) && value <= MAX_SEED)) throw invalid('seed', `an integer from 0 to ${MAX_SEED}`, text);
  return value;
}
