import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { resolveDatabricksConfig } from '../../../src/workspace/databricks/auth-config.js';
import { validateBundle } from '../../../src/workspace/databricks/validate-bundle.js';

function config(prod: string): ReturnType<typeof parseConfig> {
  const text = [
    'bundle: { name: t }',
    'variables:',
    '  catalog_name: { default: hp_az_catalog }',
    '  schema_name: { default: hp_iris_ml }',
    'targets:',
    '  dev: { default: true, workspace: { root: .mlops } }',
    `  prod: { workspace: ${prod} }`,
    'resources:',
    '  jobs:',
    '    data_ingestion_job: { parameters: [ { name: volume_path, default: "/Volumes/${var.catalog_name}/${var.schema_name}/vol" } ] }',
    '    model_training_job: { parameters: [ { name: model_name, default: "${var.catalog_name}.${var.schema_name}.iris" }, { name: experiment_path, default: "/Shared/exp" } ] }',
    '    model_deployment_job: { parameters: [] }',
    '    batch_inference_job: { parameters: [ { name: output_table, default: iris_predictions } ] }',
    '    pipeline_job: { parameters: [] }',
  ].join('\n');
  return parseConfig(text, { source: 'mlops.yml', configDir: '/p', cwd: '/p', target: 'prod', env: {} });
}

const auth = {
  config: resolveDatabricksConfig({ explicit: { host: 'https://adb-1.7.azuredatabricks.net' }, env: { DATABRICKS_TOKEN: 'dapi-secret-value' }, configFile: '~/.databrickscfg', configFileText: undefined }),
};

describe('validateBundle', () => {
  it('passes a complete prod target and says where the credentials come from, masked', () => {
    const checks = validateBundle(config('{ host: "https://adb-1.7.azuredatabricks.net", warehouse_id: "0123456789abcdef" }'), auth);
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
    const authCheck = checks.find((c) => c.subject === 'auth')!;
    expect(authCheck.message).toMatch(/personal access token from env DATABRICKS_TOKEN/);
    expect(JSON.stringify(checks)).not.toContain('dapi-secret-value');
    expect(checks.map((c) => c.subject)).toEqual(expect.arrayContaining(['host', 'auth', 'warehouse_id', 'catalog_name', 'schema_name', 'experiment_path (model_training_job)']));
  });

  it('reports a missing warehouse, bad names and a resolution failure', () => {
    const checks = validateBundle(
      parseConfig(
        [
          'bundle: { name: t }',
          'variables: { catalog_name: { default: "hp-az-catalog" }, schema_name: { default: s } }',
          'targets:',
          '  prod: { default: true, workspace: { host: "https://adb-1.7.azuredatabricks.net" } }',
          'resources:',
          '  jobs:',
          '    data_ingestion_job: { parameters: [ { name: volume_path, default: "/mnt/data" } ] }',
          '    model_training_job: { parameters: [ { name: model_name, default: "iris" }, { name: experiment_path, default: "/Volumes/a/b/c" } ] }',
          '    model_deployment_job: { parameters: [] }',
          '    batch_inference_job: { parameters: [] }',
          '    pipeline_job: { parameters: [] }',
        ].join('\n'),
        { source: 'mlops.yml', configDir: '/p', cwd: '/p', env: {} },
      ),
      { error: new Error('No Databricks credentials for https://adb-1.7.azuredatabricks.net: set DATABRICKS_TOKEN') },
    );
    const errors = Object.fromEntries(checks.filter((c) => c.status === 'error').map((c) => [c.subject, c.message]));
    expect(errors.auth).toMatch(/No Databricks credentials/);
    expect(errors.warehouse_id).toMatch(/no SQL warehouse/);
    expect(errors.catalog_name).toMatch(/"hp-az-catalog" is not a plain Unity Catalog name/);
    expect(errors['volume_path (data_ingestion_job)']).toMatch(/not a volume path/);
    expect(errors['model_name (model_training_job)']).toMatch(/<catalog>\.<schema>\.<model>/);
    expect(errors['experiment_path (model_training_job)']).toMatch(/workspace folder path/);
  });

  it('only notes the folder for a local target', () => {
    const local = parseConfig('bundle: { name: t }\ntargets:\n  dev: { default: true, workspace: { root: .mlops } }\nresources: { jobs: { data_ingestion_job: { parameters: [] }, model_training_job: { parameters: [] }, model_deployment_job: { parameters: [] }, batch_inference_job: { parameters: [] }, pipeline_job: { parameters: [] } } }', {
      source: 'mlops.yml',
      configDir: '/p',
      cwd: '/p',
      env: {},
    });
    expect(validateBundle(local, undefined)).toEqual([{ subject: 'workspace', status: 'ok', message: 'target dev runs locally in /p/.mlops' }]);
  });
});
