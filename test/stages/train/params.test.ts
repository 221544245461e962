import { describe, expect, it } from 'vitest';
import { stageParams } from '../../../src/stages/declaration.js';
import { TRAIN_PARAMS, trainingOptions, trainingOptionsToParams } from '../../../src/stages/train/params.js';
import { thrownMlopsError } from '../../helpers/errors.js';

const REQUIRED = { model_name: 'c.s.m', experiment_path: '/Shared/e', data_path: '/Volumes/c/s/v/ingested' };

/** What model_training_job reads from these parameters (the required ones added). */
function parseTrainingOptions(parameters: Record<string, string>) {
  return trainingOptions(stageParams(TRAIN_PARAMS, { ...REQUIRED, ...parameters }));
}

function expectInvalid(parameters: Record<string, string>, message: string, parameter: string): void {
  const error = thrownMlopsError(() => parseTrainingOptions(parameters), 'CONFIG_INVALID');
  expect(error.message).toBe(`Invalid job parameters for train stage: ${message}`);
  expect(error.details).toMatchObject({ parameter });
}

describe('the train stage parameters', () => {
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
  });

  it('limits training to 10,000 rows unless max_train_rows says otherwise (0 = no limit)', () => {
    expect(parseTrainingOptions({ max_train_rows: '0' }).maxTrainRows).toBe(0);
    expect(parseTrainingOptions({ max_train_rows: '2000000' }).maxTrainRows).toBe(2_000_000);
    expect(() => parseTrainingOptions({ max_train_rows: '-5' })).toThrow(/parameter "max_train_rows": expected an integer from 0 to/);
    expect(() => parseTrainingOptions({ max_train_rows: '1e6' })).toThrow(/parameter "max_train_rows": expected an integer from 0 to/);
  });

  it('treats empty strings (unset Databricks parameters) as defaults, and ignores other parameters', () => {
    const options = parseTrainingOptions({ epochs: '', learning_rate: ' ', seed: '', pkl_path: '', output_table: 'x' });
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
    expectInvalid({ model_type: 'forest' }, 'parameter "model_type": expected one of softmax, mlp, found "forest"', 'model_type');
    expectInvalid(
      { model_type: 'mlp', hidden_units: '0' },
      'parameter "hidden_units": expected at least one hidden layer for model_type "mlp" (e.g. "16"), or model_type "softmax", found "0"',
      'hidden_units',
    );
    expectInvalid({ validation_size: '0' }, 'parameter "validation_size": expected a number strictly between 0 and 1, found "0"', 'validation_size');
  });

  it('names the parameter, the expected form and the value found', () => {
    expectInvalid({ epochs: 'abc' }, 'parameter "epochs": expected an integer from 1 to 100,000, found "abc"', 'epochs');
    expectInvalid({ epochs: '0' }, 'parameter "epochs": expected an integer from 1 to 100,000, found "0"', 'epochs');
    expectInvalid({ epochs: '2.5' }, 'parameter "epochs": expected an integer from 1 to 100,000, found "2.5"', 'epochs');
    expectInvalid({ train_batch_size: '-1' }, 'parameter "train_batch_size": expected an integer from 1 to 1,048,576, found "-1"', 'train_batch_size');
    expectInvalid({ learning_rate: '0' }, 'parameter "learning_rate": expected a positive number up to 10, found "0"', 'learning_rate');
    expectInvalid({ learning_rate: 'fast' }, 'parameter "learning_rate": expected a positive number up to 10, found "fast"', 'learning_rate');
    expectInvalid({ learning_rate: 'Infinity' }, 'parameter "learning_rate": expected a positive number up to 10, found "Infinity"', 'learning_rate');
    const units = 'comma-separated positive integers like "16" or "16,8" ("" or "0" for none), at most 8 layers of 4,096 units';
    expectInvalid({ hidden_units: '16,,8' }, `parameter "hidden_units": expected ${units}, found "16,,8"`, 'hidden_units');
    expectInvalid({ hidden_units: '16,0' }, `parameter "hidden_units": expected ${units}, found "16,0"`, 'hidden_units');
    expectInvalid({ activation: 'elu' }, 'parameter "activation": expected one of relu, tanh, sigmoid, found "elu"', 'activation');
    expectInvalid({ seed: '-1' }, 'parameter "seed": expected an integer from 0 to 4,294,967,295, found "-1"', 'seed');
    expectInvalid({ seed: '4294967296' }, 'parameter "seed": expected an integer from 0 to 4,294,967,295, found "4294967296"', 'seed');
    expectInvalid({ test_size: '1' }, 'parameter "test_size": expected a number strictly between 0 and 1, found "1"', 'test_size');
    expectInvalid({ test_size: '20%' }, 'parameter "test_size": expected a number strictly between 0 and 1, found "20%"', 'test_size');
    expectInvalid({ early_stopping_patience: 'x' }, 'parameter "early_stopping_patience": expected an integer from 0 to 100,000, found "x"', 'early_stopping_patience');
  });

  it('refuses absurd sizes and over-long names, naming the key, all at once', () => {
    const error = thrownMlopsError(
      () => parseTrainingOptions({ hidden_units: '100000,100000', epochs: '1000000000', model_name: 'm'.repeat(300), train_batch_size: '99999999999' }),
      'CONFIG_INVALID',
    );
    const problems = (error.details!.problems as { parameter: string }[]).map((p) => p.parameter);
    expect(problems.sort()).toEqual(['epochs', 'hidden_units', 'model_name', 'train_batch_size']);
    expect(error.message).toMatch(/parameter "model_name": expected a model name of at most 256 characters \(found 300\)/);
    // Within the per-layer bound, the total weights are still bounded.
    expectInvalid({ hidden_units: '4096,4096,4096' }, 'parameter "hidden_units": expected layers with at most 10,000,000 weights in all, found "4096,4096,4096"', 'hidden_units');
  });

  it('needs data_path to train (not to import a pickle)', () => {
    expect(() => stageParams(TRAIN_PARAMS, { ...REQUIRED, data_path: '' })).toThrow(/parameter "data_path": expected the ingested data to train on/);
    expect(stageParams(TRAIN_PARAMS, { ...REQUIRED, data_path: '', pkl_path: '/Volumes/c/s/v/m.pkl' }).pkl_path).toBe('/Volumes/c/s/v/m.pkl');
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
