import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { ParseConfigOptions } from '../../src/config/parse.js';
import { thrownMlopsError } from '../helpers/errors.js';

const shippedPath = fileURLToPath(new URL('../../mlops.yml', import.meta.url));
const shippedText = readFileSync(shippedPath, 'utf8');
const shipped = (options: Partial<ParseConfigOptions> = {}) =>
  parseConfig(shippedText, { source: shippedPath, configDir: '/project', configPath: '/project/mlops.yml', ...options });

/** A small valid document; tests replace one line of it to introduce a mistake. */
const SMALL = `bundle:
  name: demo
variables:
  catalog_name: { default: main }
  environment: { default: dev }
targets:
  dev:
    default: true
    workspace: { root: "./state-\${bundle.target}" }
    variables: { environment: dev-target }
  staging:
    workspace: { root: "/srv/\${var.environment}" }
    tracking_uri: http://mlflow-\${var.environment}:5000
resources:
  jobs:
    data_ingestion_job:
      parameters:
        - { name: volume_path, default: "/Volumes/\${var.catalog_name}/x" }
    model_training_job:
      name: train-\${bundle.name}-\${bundle.target}
      parameters:
        - { name: epochs, default: 200 }
        - { name: env, default: "\${var.environment}" }
        - { name: model_name, default: "\${var.catalog_name}.s.m" }
    model_deployment_job: {}
    batch_inference_job:
      parameters: []
    pipeline_job:
      parameters:
        - { name: epochs, default: 200 }
`;
const small = (options: Partial<ParseConfigOptions> = {}, text = SMALL) =>
  parseConfig(text, { source: '/p/mlops.yml', configDir: '/p', ...options });

describe('parseConfig with the shipped mlops.yml', () => {
  it('resolves the dev target to a local workspace beside the config', () => {
    const config = shipped();
    expect(config.configPath).toBe('/project/mlops.yml');
    expect(config.configDir).toBe('/project');
    expect(config.bundle).toEqual({ name: 'hp-mlops-e2e' });
    expect(config.target).toBe('dev');
    expect(config.variables).toEqual({ catalog_name: 'hp_az_catalog', schema_name: 'hp_iris_ml', environment: 'dev', require_human_approval: 'false', ingested_table: '', training_data: '/Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol/ingested' });
    expect(config.workspace).toEqual({ type: 'local', root: '/project/.mlops' });
    expect(config.trackingUri).toBe('sqlite:////project/.mlops/mlflow.db');
    expect(config.approval).toEqual({
      mode: 'enabled',
      thresholds: {
        accuracy: { threshold: 0.9, greaterIsBetter: true },
        f1_macro: { threshold: 0.9, greaterIsBetter: true },
      },
    });
    expect(config.jobs.data_ingestion_job).toEqual({
      name: 'data_ingestion_job',
      displayName: 'data-ingestion-dev',
      parameters: {
        source_path: './data/landing',
        volume_path: '/Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol',
        checkpoint_path: '/Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol/checkpoints',
        format: 'auto',
        experiment_path: '/Shared/hp_mlops_e2e/dev/hp_iris_ml',
        schema:
          "sepal_length DOUBLE NOT NULL, sepal_width DOUBLE NOT NULL, petal_length DOUBLE NOT NULL, petal_width DOUBLE NOT NULL, species STRING NOT NULL IN ('setosa', 'versicolor', 'virginica')",
        on_change: 'reingest',
        on_bad_file: 'quarantine',
        on_extra_columns: 'rescue',
        max_rows_per_file: '1000000',
        ingested_table: '',
      },
    });
    expect(config.jobs.model_training_job.parameters).toEqual({
      pkl_path: '',
      experiment_path: '/Shared/hp_mlops_e2e/dev/hp_iris_ml',
      model_name: 'hp_az_catalog.hp_iris_ml.irisclassifierdemo',
      data_path: '/Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol/ingested',
      model_type: 'mlp',
      epochs: '200',
      learning_rate: '0.05',
      hidden_units: '16',
      activation: 'relu',
      train_batch_size: '32',
      early_stopping_patience: '0',
      validation_size: '0.1',
      max_train_rows: '10000',
      seed: '42',
      test_size: '0.2',
      cache: 'true',
    });
    expect(config.jobs.model_deployment_job.parameters).toEqual({
      model_name: 'hp_az_catalog.hp_iris_ml.irisclassifierdemo',
      model_version: '',
      experiment_path: '/Shared/hp_mlops_e2e/dev/hp_iris_ml',
      cache: 'true',
    });
    expect(config.jobs.batch_inference_job.parameters).toEqual({
      catalog_name: 'hp_az_catalog',
      schema_name: 'hp_iris_ml',
      model_name: 'hp_az_catalog.hp_iris_ml.irisclassifierdemo',
      model_uri: '',
      input_path: '/Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol/ingested',
      input_table: '',
      output_table: 'iris_predictions',
      output_path: '',
      batch_size: '65536',
      mode: 'overwrite',
      partition_by: '',
      on_invalid: 'error',
    });
  });

  it('gives pipeline_job every parameter of the other jobs, with the same defaults', () => {
    const config = shipped();
    const pipeline = config.jobs.pipeline_job.parameters;
    for (const job of ['data_ingestion_job', 'model_training_job', 'model_deployment_job', 'batch_inference_job'] as const) {
      for (const [name, value] of Object.entries(config.jobs[job].parameters)) {
        expect(pipeline[name], `${job}.${name}`).toBe(value);
      }
    }
    expect(pipeline.batch_size).toBe('65536');
    expect(pipeline.train_batch_size).toBe('32');
    expect(Object.keys(pipeline)).toHaveLength(38);
  });

  it('resolves the prod target to Databricks with tighter approval', () => {
    const config = shipped({ target: 'prod' });
    expect(config.target).toBe('prod');
    expect(config.variables.environment).toBe('prod');
    expect(config.workspace).toEqual({
      type: 'databricks',
      host: 'https://adb-1234567890123456.7.azuredatabricks.net',
      profile: 'hp-mlops',
      warehouseId: '0123456789abcdef',
    });
    expect(config.trackingUri).toBe('databricks://hp-mlops');
    expect(config.approval.thresholds).toEqual({
      accuracy: { threshold: 0.95, minAbsoluteChange: 0, greaterIsBetter: true },
      f1_macro: { threshold: 0.9, greaterIsBetter: true },
    });
    expect(config.jobs.pipeline_job.displayName).toBe('e2e-pipeline-prod');
    expect(config.jobs.model_training_job.parameters.experiment_path).toBe('/Shared/hp_mlops_e2e/prod/hp_iris_ml');
  });

  it('applies all four variable layers in order', () => {
    const env = { BUNDLE_VAR_catalog_name: 'env_catalog', BUNDLE_VAR_environment: 'env_environment' };
    const config = shipped({ env, vars: { environment: 'cli_environment' } });
    // schema_name: default; environment: target < env < --var; catalog_name: env over default
    expect(config.variables).toEqual({
      catalog_name: 'env_catalog',
      schema_name: 'hp_iris_ml',
      environment: 'cli_environment',
      require_human_approval: 'false',
      ingested_table: '',
      training_data: '/Volumes/env_catalog/hp_iris_ml/hp_ml_vol/ingested',
    });
    expect(config.jobs.model_training_job.parameters.model_name).toBe('env_catalog.hp_iris_ml.irisclassifierdemo');
    expect(config.jobs.data_ingestion_job.displayName).toBe('data-ingestion-cli_environment');
  });

  it('lets MLFLOW_TRACKING_URI win over the workspace default', () => {
    expect(shipped({ env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000' } }).trackingUri).toBe('http://127.0.0.1:5000');
    expect(shipped({ target: 'prod', env: { MLFLOW_TRACKING_URI: 'databricks://other' } }).trackingUri).toBe(
      'databricks://other',
    );
  });

  it('reads no environment unless one is passed', () => {
    process.env.BUNDLE_VAR_catalog_name = 'from_process_env';
    try {
      expect(shipped().variables.catalog_name).toBe('hp_az_catalog');
    } finally {
      delete process.env.BUNDLE_VAR_catalog_name;
    }
  });
});

describe('parseConfig interpolation', () => {
  it('expands ${var.*}, ${bundle.name} and ${bundle.target} in names, parameters, workspace and tracking_uri', () => {
    const dev = small();
    expect(dev.workspace).toEqual({ type: 'local', root: '/p/state-dev' });
    expect(dev.jobs.model_training_job.displayName).toBe('train-demo-dev');
    expect(dev.jobs.model_training_job.parameters).toEqual({ epochs: '200', env: 'dev-target', model_name: 'main.s.m' });
    expect(dev.jobs.data_ingestion_job.parameters.volume_path).toBe('/Volumes/main/x');
    const staging = small({ target: 'staging' });
    expect(staging.workspace).toEqual({ type: 'local', root: '/srv/dev' });
    expect(staging.trackingUri).toBe('http://mlflow-dev:5000');
  });

  it('uses the job key as the display name when there is no name', () => {
    const config = small();
    expect(config.jobs.model_deployment_job).toEqual({
      name: 'model_deployment_job',
      displayName: 'model_deployment_job',
      parameters: {},
    });
  });

  it('names the key path, line and reference of an unknown reference', () => {
    const text = SMALL.replace('${var.catalog_name}.s.m', '${var.catalogue}.s.m');
    const error = thrownMlopsError(() => small({}, text));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('/p/mlops.yml');
    expect(error.message).toContain('resources.jobs.model_training_job.parameters[2].default (line 24)');
    expect(error.message).toContain('unknown reference ${var.catalogue}');
    expect(error.message).toContain('${var.catalog_name}');
  });

  it('reports every unknown reference of the target at once', () => {
    const text = SMALL.replace('train-${bundle.name}', 'train-${bundle.nme}').replace('state-${bundle.target}', 'state-${target}');
    const error = thrownMlopsError(() => small({}, text));
    expect(error.message).toContain('2 problems');
    expect(error.message).toContain('targets.dev.workspace.root');
    expect(error.message).toContain('resources.jobs.model_training_job.name');
  });
});

describe('parseConfig validation', () => {
  it('names an unknown --var', () => {
    const error = thrownMlopsError(() => small({ vars: { catalogue: 'x' } }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('--var catalogue');
    expect(error.message).toContain('catalog_name, environment');
  });

  it('names a variable without a value', () => {
    const text = SMALL.replace('catalog_name: { default: main }', 'catalog_name: { description: no default }');
    const error = thrownMlopsError(() => small({}, text));
    expect(error.message).toContain('variables.catalog_name (line 4)');
    expect(error.message).toContain('BUNDLE_VAR_catalog_name');
    expect(small({ env: { BUNDLE_VAR_catalog_name: 'c' } }, text).variables.catalog_name).toBe('c');
  });

  it('lists the known targets for an unknown one', () => {
    const error = thrownMlopsError(() => small({ target: 'prod' }));
    expect(error.message).toContain('targets.prod');
    expect(error.message).toContain('one of the targets dev, staging');
  });

  it('requires a default target when none is chosen', () => {
    const error = thrownMlopsError(() => small({}, SMALL.replace('default: true', 'default: false')));
    expect(error.message).toContain('targets (line 6)');
    expect(error.message).toContain('none marked default among dev, staging');
    expect(small({ target: 'staging' }, SMALL.replace('default: true', 'default: false')).target).toBe('staging');
  });

  it('rejects a duplicate parameter with its line', () => {
    const text = SMALL.replace('- { name: env, default:', '- { name: epochs, default:');
    const error = thrownMlopsError(() => small({}, text));
    expect(error.message).toContain('resources.jobs.model_training_job.parameters[1].name (line 23)');
    expect(error.message).toContain('duplicate "epochs"');
  });

  it('reports YAML syntax errors with line and column', () => {
    const error = thrownMlopsError(() => small({}, SMALL.replace('default: 200 }', 'default: 200')));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('/p/mlops.yml');
    expect(error.message).toMatch(/line \d+, column \d+/);
  });

  it('rejects an empty document', () => {
    const error = thrownMlopsError(() => small({}, '# nothing\n'));
    expect(error.message).toContain('(top level)');
    expect(error.message).toContain('found null');
  });

  it('checks every target structurally, not only the chosen one', () => {
    const text = SMALL.replace('tracking_uri: http', 'tracking_url: http');
    const error = thrownMlopsError(() => small({}, text));
    expect(error.message).toContain('targets.staging.tracking_url (line 13)');
  });

  it('resolves a relative root against cwd for the embedded defaults', () => {
    const config = small({ embedded: true, cwd: '/home/user/work' });
    expect(config.configPath).toBeUndefined();
    expect(config.configDir).toBe('/p');
    expect(config.workspace).toEqual({ type: 'local', root: '/home/user/work/state-dev' });
  });
});
