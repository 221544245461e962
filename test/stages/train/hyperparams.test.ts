import { describe, expect, it } from 'vitest';
import { parseTrainingOptions, TRAINING_DEFAULTS, trainingOptionsToParams } from '../../../src/stages/train/hyperparams.js';
import { thrownMlopsError } from '../../helpers/errors.js';

function expectInvalid(parameters: Record<string, string>, message: string, parameter: string): void {
  const error = thrownMlopsError(() => parseTrainingOptions(parameters), 'INVALID_ARGUMENT');
  expect(error.message).toBe(message);
  expect(error.details).toMatchObject({ parameter });
}

describe('parseTrainingOptions', () => {
  it('uses the documented defaults when nothing is given', () => {
    expect(parseTrainingOptions({})).toEqual({
      modelType: 'mlp',
      validationSize: 0.1,
      epochs: 200,
      learningRate: 0.05,
      hiddenUnits: [16],
      activation: 'relu',
      batchSize: 32,
      seed: 42,
      testSize: 0.2,
      maxTrainRows: 10_000,
    });
    expect(TRAINING_DEFAULTS.hiddenUnits).toEqual([16]);
  });

  it('treats empty strings (unset Databricks parameters) as defaults, and ignores other parameters', () => {
    const options = parseTrainingOptions({ epochs: '', learning_rate: ' ', seed: '', model_name: 'iris', pkl_path: '' });
    expect(options.epochs).toBe(200);
    expect(options.learningRate).toBe(0.05);
    expect(options.seed).toBe(42);
  });

  it('parses every parameter from its string form', () => {
    expect(
      parseTrainingOptions({
        epochs: '50',
        learning_rate: '1e-3',
        hidden_units: ' 16, 8 ',
        activation: 'TANH',
        train_batch_size: '150',
        seed: '4294967295',
        test_size: '0.25',
        early_stopping_patience: '10',
        validation_size: '0.15',
        model_type: 'MLP',
        max_train_rows: '5000',
      }),
    ).toEqual({ modelType: 'mlp', validationSize: 0.15, maxTrainRows: 5000, epochs: 50, learningRate: 0.001, hiddenUnits: [16, 8], activation: 'tanh', batchSize: 150, seed: 4294967295, testSize: 0.25, earlyStoppingPatience: 10 });
  });

  it('reads "" and "0" hidden units as softmax regression, and patience 0 as no early stopping', () => {
    expect(parseTrainingOptions({ hidden_units: '' }).hiddenUnits).toEqual([]);
    expect(parseTrainingOptions({ hidden_units: '0' }).hiddenUnits).toEqual([]);
    expect(parseTrainingOptions({ early_stopping_patience: '0' })).not.toHaveProperty('earlyStoppingPatience');
    expect(parseTrainingOptions({ early_stopping_patience: '' })).not.toHaveProperty('earlyStoppingPatience');
    expect(parseTrainingOptions({ hidden_units: '0' }).modelType).toBe('softmax');
  });

  it('chooses the model type: softmax drops the hidden layers, mlp needs some', () => {
    expect(parseTrainingOptions({ model_type: 'softmax', hidden_units: '16' })).toMatchObject({ modelType: 'softmax', hiddenUnits: [] });
    expect(parseTrainingOptions({ model_type: 'mlp', hidden_units: '32,16', activation: 'sigmoid' })).toMatchObject({ modelType: 'mlp', hiddenUnits: [32, 16], activation: 'sigmoid' });
    expect(parseTrainingOptions({ model_type: '' }).modelType).toBe('mlp');
    expectInvalid({ model_type: 'forest' }, 'model_type must be one of softmax, mlp, got "forest"', 'model_type');
    expectInvalid(
      { model_type: 'mlp', hidden_units: '0' },
      'model_type "mlp" needs at least one hidden layer, but hidden_units is "0"; set hidden_units (e.g. "16") or model_type "softmax"',
      'hidden_units',
    );
    expectInvalid({ validation_size: '0' }, 'validation_size must be a number strictly between 0 and 1, got "0"', 'validation_size');
  });

  it('names the parameter, the expected form and the value found', () => {
    expectInvalid({ epochs: 'abc' }, 'epochs must be a positive integer, got "abc"', 'epochs');
    expectInvalid({ epochs: '0' }, 'epochs must be a positive integer, got "0"', 'epochs');
    expectInvalid({ epochs: '2.5' }, 'epochs must be a positive integer, got "2.5"', 'epochs');
    expectInvalid({ train_batch_size: '-1' }, 'train_batch_size must be a positive integer, got "-1"', 'train_batch_size');
    expectInvalid({ learning_rate: '0' }, 'learning_rate must be a positive number, got "0"', 'learning_rate');
    expectInvalid({ learning_rate: 'fast' }, 'learning_rate must be a positive number, got "fast"', 'learning_rate');
    expectInvalid({ learning_rate: 'Infinity' }, 'learning_rate must be a positive number, got "Infinity"', 'learning_rate');
    expectInvalid(
      { hidden_units: '16,,8' },
      'hidden_units must be comma-separated positive integers like "16" or "16,8" ("" or "0" for none), got "16,,8"',
      'hidden_units',
    );
    expectInvalid(
      { hidden_units: '16,0' },
      'hidden_units must be comma-separated positive integers like "16" or "16,8" ("" or "0" for none), got "16,0"',
      'hidden_units',
    );
    expectInvalid({ activation: 'elu' }, 'activation must be one of relu, tanh, sigmoid, got "elu"', 'activation');
    expectInvalid({ seed: '-1' }, 'seed must be an integer from 0 to 4294967295, got "-1"', 'seed');
    expectInvalid({ seed: '4294967296' }, 'seed must be an integer from 0 to 4294967295, got "4294967296"', 'seed');
    expectInvalid({ test_size: '1' }, 'test_size must be a number strictly between 0 and 1, got "1"', 'test_size');
    expectInvalid({ test_size: '20%' }, 'test_size must be a number strictly between 0 and 1, got "20%"', 'test_size');
    expectInvalid({ early_stopping_patience: 'x' }, 'early_stopping_patience must be a non-negative integer (0 = off), got "x"', 'early_stopping_patience');
    expectInvalid({ max_train_rows: '-5' }, 'max_train_rows must be a non-negative integer (0 = no limit), got "-5"', 'max_train_rows');
    expectInvalid({ max_train_rows: '1e6' }, 'max_train_rows must be a non-negative integer (0 = no limit), got "1e6"', 'max_train_rows');
  });

  it('limits training to 10,000 rows unless max_train_rows says otherwise (0 = no limit)', () => {
    expect(parseTrainingOptions({}).maxTrainRows).toBe(10_000);
    expect(parseTrainingOptions({ max_train_rows: '0' }).maxTrainRows).toBe(0);
    expect(parseTrainingOptions({ max_train_rows: '2000000' }).maxTrainRows).toBe(2_000_000);
  });
});

describe('trainingOptionsToParams', () => {
  it('writes the options back as job parameters that parse to the same options', () => {
    const options = parseTrainingOptions({ hidden_units: '16,8', early_stopping_patience: '5', learning_rate: '0.01' });
    const params = trainingOptionsToParams(options);
    expect(params).toEqual({
      model_type: 'mlp',
      validation_size: '0.1',
      epochs: '200',
      learning_rate: '0.01',
      hidden_units: '16,8',
      activation: 'relu',
      train_batch_size: '32',
      seed: '42',
      test_size: '0.2',
      max_train_rows: '10000',
      early_stopping_patience: '5',
    });
    expect(parseTrainingOptions(params)).toEqual(options);
    expect(trainingOptionsToParams(parseTrainingOptions({ hidden_units: '' }))).toMatchObject({ hidden_units: '0', model_type: 'softmax' });
  });
});
