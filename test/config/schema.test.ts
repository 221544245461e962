import { describe, expect, it } from 'vitest';
import { JOB_NAMES } from '../../src/config/types.js';
import { formatKeyPath, ProblemList } from '../../src/config/problems.js';
import { readRawConfig } from '../../src/config/schema.js';

// Loosely typed on purpose: the tests build documents with every kind of mistake in them.
type Data = Record<string, any>;

function validData(): Data {
  const jobs: Data = {};
  for (const name of JOB_NAMES) jobs[name] = { name: `${name}-\${var.environment}`, parameters: [{ name: 'p', default: 'v' }] };
  return {
    bundle: { name: 'b' },
    variables: { environment: { description: 'env', default: 'dev' } },
    approval: { mode: 'enabled', thresholds: { accuracy: { threshold: 0.9 } } },
    targets: { dev: { default: true, workspace: { root: '.mlops' } } },
    resources: { jobs },
  };
}

function problemsOf(data: unknown): ProblemList {
  const problems = new ProblemList();
  const raw = readRawConfig(data, problems);
  if (!problems.isEmpty) expect(raw).toBeUndefined();
  return problems;
}

const keysOf = (problems: ProblemList) => problems.problems.map((p) => formatKeyPath(p.path));

describe('readRawConfig', () => {
  it('reads a valid document', () => {
    const problems = new ProblemList();
    const raw = readRawConfig(validData(), problems);
    expect(problems.problems).toEqual([]);
    expect(raw?.bundleName).toBe('b');
    expect(raw?.variables).toEqual({ environment: { description: 'env', default: 'dev' } });
    expect(raw?.jobs.pipeline_job).toEqual({ name: 'pipeline_job-${var.environment}', parameters: [{ name: 'p', default: 'v' }] });
    expect(raw?.approval?.thresholds.accuracy).toEqual({ threshold: 0.9 });
    expect(raw?.targets.dev?.isDefault).toBe(true);
  });

  it('stringifies numeric and boolean parameter and variable defaults', () => {
    const data = validData();
    data.variables.epochs = { default: 200 };
    data.resources.jobs.model_training_job.parameters = [
      { name: 'epochs', default: 200 },
      { name: 'learning_rate', default: 0.05 },
      { name: 'shuffle', default: false },
      { name: 'pkl_path', default: '' },
    ];
    const problems = new ProblemList();
    const raw = readRawConfig(data, problems);
    expect(problems.problems).toEqual([]);
    expect(raw?.variables.epochs?.default).toBe('200');
    expect(raw?.jobs.model_training_job.parameters).toEqual([
      { name: 'epochs', default: '200' },
      { name: 'learning_rate', default: '0.05' },
      { name: 'shuffle', default: 'false' },
      { name: 'pkl_path', default: '' },
    ]);
  });

  it('rejects a document that is not a mapping', () => {
    expect(problemsOf(null).problems[0]?.found).toBe('null');
    expect(problemsOf(['a']).problems[0]?.found).toBe('a list of 1');
  });

  it('rejects unknown top-level keys, listing the allowed ones', () => {
    const data = validData();
    data.include = ['jobs/*.yml'];
    const problems = problemsOf(data);
    expect(problems.problems).toEqual([
      {
        path: ['include'],
        expected: 'one of the keys bundle, variables, approval, targets, resources',
        found: 'unknown key "include"',
      },
    ]);
  });

  it('requires bundle.name, targets and resources', () => {
    expect(keysOf(problemsOf({ bundle: {}, targets: { dev: { default: true, workspace: { root: '.' } } } }))).toEqual([
      'bundle.name',
      'resources',
    ]);
    const data = validData();
    delete data.targets;
    expect(keysOf(problemsOf(data))).toEqual(['targets']);
  });

  it('rejects unknown job names and reports missing jobs', () => {
    const data = validData();
    data.resources.jobs.training_job = data.resources.jobs.model_training_job;
    delete data.resources.jobs.model_training_job;
    delete data.resources.jobs.batch_inference_job;
    const problems = problemsOf(data);
    expect(keysOf(problems)).toEqual([
      'resources.jobs.training_job',
      'resources.jobs.model_training_job',
      'resources.jobs.batch_inference_job',
    ]);
    expect(problems.problems[0]?.expected).toContain('data_ingestion_job, model_training_job');
    expect(problems.problems[1]?.found).toBe('nothing');
  });

  it('rejects parameters that are not a list of { name, default }', () => {
    const data = validData();
    data.resources.jobs.data_ingestion_job.parameters = { source_path: 'x' };
    data.resources.jobs.model_training_job.parameters = [
      'epochs=200',
      { name: 'seed' },
      { name: 'lr', default: 0.1, type: 'float' },
      { default: 1 },
      { name: 'x', default: null },
      { name: 'y', default: [1] },
    ];
    const problems = problemsOf(data);
    expect(keysOf(problems)).toEqual([
      'resources.jobs.data_ingestion_job.parameters',
      'resources.jobs.model_training_job.parameters[0]',
      'resources.jobs.model_training_job.parameters[1].default',
      'resources.jobs.model_training_job.parameters[2].type',
      'resources.jobs.model_training_job.parameters[3].name',
      'resources.jobs.model_training_job.parameters[4].default',
      'resources.jobs.model_training_job.parameters[5].default',
    ]);
    expect(problems.problems[0]).toMatchObject({ expected: 'a list of { name, default }', found: 'a mapping' });
    expect(problems.problems[1]).toMatchObject({ expected: 'a mapping { name, default }', found: 'string "epochs=200"' });
  });

  it('rejects duplicate parameter names, pointing at the first one', () => {
    const data = validData();
    data.resources.jobs.pipeline_job.parameters = [
      { name: 'batch_size', default: 32 },
      { name: 'seed', default: 1 },
      { name: 'batch_size', default: 65536 },
    ];
    const problems = problemsOf(data);
    expect(problems.problems).toEqual([
      {
        path: ['resources', 'jobs', 'pipeline_job', 'parameters', 2, 'name'],
        expected: 'parameter names unique within the job (first defined at parameters[0])',
        found: 'duplicate "batch_size"',
      },
    ]);
  });

  it('rejects unknown keys in a job, a bundle and a variable, and bad variable names', () => {
    const data = validData();
    data.resources.jobs.pipeline_job.tasks = [];
    data.bundle.git = {};
    data.variables.environment.lookup = { warehouse: 'x' };
    data.variables['1bad'] = { default: 'x' };
    data.resources.pipelines = {};
    expect(keysOf(problemsOf(data)).sort()).toEqual([
      'bundle.git',
      'resources.jobs.pipeline_job.tasks',
      'resources.pipelines',
      'variables.1bad',
      'variables.environment.lookup',
    ]);
  });

  it('collects problems from every section in one pass', () => {
    const data = validData();
    data.approval.mode = 'strict';
    data.approval.thresholds.accuracy.threshold = 'high';
    data.targets.dev.workspace = {};
    data.resources.jobs.pipeline_job.parameters = 'all';
    expect(keysOf(problemsOf(data))).toEqual([
      'approval.mode',
      'approval.thresholds.accuracy.threshold',
      'targets.dev.workspace',
      'resources.jobs.pipeline_job.parameters',
    ]);
  });
});
