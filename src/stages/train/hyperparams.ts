import { MlopsError } from '../../errors.js';
import { HIDDEN_ACTIVATIONS, type HiddenActivation } from '../../model/network.js';
import type { TrainingOptions } from '../../model/train.js';

export type { TrainingOptions } from '../../model/train.js';

export const TRAINING_DEFAULTS: Readonly<TrainingOptions> = Object.freeze({
  epochs: 200,
  learningRate: 0.05,
  hiddenUnits: [16],
  activation: 'relu',
  batchSize: 32,
  seed: 42,
  testSize: 0.2,
});

/** The job parameters read here, by their Databricks (snake_case) names. */
export const TRAINING_PARAMETERS = [
  'epochs',
  'learning_rate',
  'hidden_units',
  'activation',
  'train_batch_size',
  'seed',
  'test_size',
  'early_stopping_patience',
] as const;

const MAX_SEED = 2 ** 32 - 1;

/**
 * Training options from job parameters, which are strings as in Databricks. A missing or empty
 * parameter takes its default — except hidden_units, where "" (like "0") asks for no hidden layer
 * (softmax regression) and only a missing key means the default 16. early_stopping_patience ""
 * or "0" leaves early stopping off. Other parameters are ignored.
 */
export function parseTrainingOptions(parameters: Readonly<Record<string, string | undefined>>): TrainingOptions {
  const given = (name: string): string | undefined => {
    const value = parameters[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const options: TrainingOptions = {
    epochs: parsePositiveInteger('epochs', given('epochs')) ?? TRAINING_DEFAULTS.epochs,
    learningRate: parsePositiveNumber('learning_rate', given('learning_rate')) ?? TRAINING_DEFAULTS.learningRate,
    hiddenUnits: parseHiddenUnits(parameters['hidden_units']),
    activation: parseActivation(given('activation')),
    batchSize: parsePositiveInteger('train_batch_size', given('train_batch_size')) ?? TRAINING_DEFAULTS.batchSize,
    seed: parseSeed(given('seed')),
    testSize: parseFraction('test_size', given('test_size')) ?? TRAINING_DEFAULTS.testSize,
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
export function trainingOptionsToParams(options: TrainingOptions): Record<string, string> {
  const params: Record<string, string> = {
    epochs: String(options.epochs),
    learning_rate: String(options.learningRate),
    hidden_units: options.hiddenUnits.length === 0 ? '0' : options.hiddenUnits.join(','),
    activation: options.activation,
    train_batch_size: String(options.batchSize),
    seed: String(options.seed),
    test_size: String(options.testSize),
  };
  if (options.earlyStoppingPatience !== undefined) params['early_stopping_patience'] = String(options.earlyStoppingPatience);
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
