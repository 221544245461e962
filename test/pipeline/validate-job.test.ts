import { describe, expect, it } from 'vitest';
import { JOB_STAGES } from '../../src/config/types.js';
import { declaredParameters, validateJob } from '../../src/pipeline/validate-job.js';
import { STAGES } from '../../src/stages/registry.js';
import { thrownMlopsError } from '../helpers/errors.js';

const TRAINING = { model_name: 'c.s.m', experiment_path: '/Shared/e', data_path: '/Volumes/c/s/v/ingested' };

describe('validateJob', () => {
  it('reads each stage of the job from the job parameters, defaults filling the rest', () => {
    const validated = validateJob('model_training_job', { ...TRAINING, epochs: '7' }) as { train: { epochs: number; learning_rate: number } };
    expect(validated.train).toMatchObject({ epochs: 7, learning_rate: 0.05 });
  });

  it('lists every problem of every stage at once, a shared parameter once, naming its stage', () => {
    const error = thrownMlopsError(() => validateJob('pipeline_job', { ...TRAINING, source_path: '', volume_path: '/V', checkpoint_path: '/V/c', input_path: '/V/i', catalog_name: 'c', schema_name: 's', epochs: 'abc', model_name: '', batch_size: 'x' }), 'CONFIG_INVALID');
    const problems = error.details!.problems as { parameter: string; stage: string }[];
    expect(problems.map((p) => `${p.stage}:${p.parameter}`)).toEqual(['ingest:source_path', 'train:model_name', 'train:epochs', 'score:batch_size']);
  });

  it('takes a model from an earlier stage when there is one, else needs model_name', () => {
    // In model_deployment_job nothing trains before evaluate: the model must be named.
    expect(() => validateJob('model_deployment_job', { experiment_path: '/e', model_name: '' })).toThrow(/parameter "model_name": expected the registered model to evaluate/);
    expect(validateJob('model_deployment_job', { experiment_path: '/e', model_name: 'c.s.m', model_version: 'latest' })).toHaveProperty('evaluate');
    expect(() => validateJob('model_deployment_job', { experiment_path: '/e', model_name: 'c.s.m', model_version: 'v2' })).toThrow(/parameter "model_version"/);
  });

  it('every job orders its stages so that what one requires an earlier one produces', () => {
    for (const [job, stages] of Object.entries(JOB_STAGES)) {
      const produced = new Set<string>();
      for (const stage of stages) {
        for (const [key, need] of Object.entries(STAGES[stage].reads)) if (need === 'required') expect(produced, `${job}: ${stage} needs ${key}`).toContain(key);
        produced.add(STAGES[stage].produces);
      }
    }
  });

  it('knows the parameters each job declares, with their defaults', () => {
    expect(declaredParameters('batch_inference_job')).toMatchObject({ batch_size: '65536', mode: 'overwrite', output_table: 'iris_predictions' });
    expect(Object.keys(declaredParameters('model_training_job'))).toEqual(expect.arrayContaining(['epochs', 'hidden_units', 'schema', 'pkl_path']));
  });
});
