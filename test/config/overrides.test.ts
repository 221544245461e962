import { describe, expect, it } from 'vitest';
import { applyJobOverrides, parseVarArgs } from '../../src/config/overrides.js';
import type { JobConfig } from '../../src/config/types.js';
import { thrownMlopsError } from '../helpers/errors.js';

const job: JobConfig = {
  name: 'model_deployment_job',
  displayName: 'model-deployment-dev',
  parameters: { model_name: 'c.s.m', model_version: '', experiment_path: '/Shared/x' },
};

describe('applyJobOverrides', () => {
  it('replaces the named parameters from a JSON string and keeps the rest', () => {
    const result = applyJobOverrides(job, '{"model_name": "c.s.other", "model_version": "5"}');
    expect(result).toEqual({
      ...job,
      parameters: { model_name: 'c.s.other', model_version: '5', experiment_path: '/Shared/x' },
    });
    expect(job.parameters.model_version).toBe('');
  });

  it('stringifies numbers and booleans, from JSON text or an object', () => {
    expect(applyJobOverrides(job, '{"model_version": 5}').parameters.model_version).toBe('5');
    expect(applyJobOverrides(job, { model_version: 7, model_name: true }).parameters).toMatchObject({
      model_version: '7',
      model_name: 'true',
    });
  });

  it('accepts the Jobs API shape {"job_parameters": {...}}', () => {
    expect(applyJobOverrides(job, '{"job_parameters": {"model_version": "3"}}').parameters.model_version).toBe('3');
  });

  it('rejects unknown parameters, listing the valid ones', () => {
    const error = thrownMlopsError(() => applyJobOverrides(job, '{"model_versoin": "5", "epochs": 3}'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('model_deployment_job');
    expect(error.message).toContain('"model_versoin", "epochs"');
    expect(error.message).toContain('expected one of model_name, model_version, experiment_path');
  });

  it('rejects values that are not scalars', () => {
    const error = thrownMlopsError(() => applyJobOverrides(job, { model_version: null, model_name: ['a'] }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('parameter "model_version": expected a string, number or boolean, found null');
    expect(error.message).toContain('parameter "model_name"');
  });

  it('rejects invalid JSON as a usage error quoting the position', () => {
    const error = thrownMlopsError(() => applyJobOverrides(job, '{"model_version": 5,}'));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain('at position 20');
    expect(error.message).toContain('near "{\\"model_version\\": 5,}"');
    const truncated = thrownMlopsError(() => applyJobOverrides(job, '{"model_version": '));
    expect(truncated.message).toContain('at position 18');
  });

  it('rejects JSON that is not an object', () => {
    const error = thrownMlopsError(() => applyJobOverrides(job, '["model_version", "5"]'));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain('expected a JSON object, found a list of 2');
  });
});

describe('parseVarArgs', () => {
  it('splits each argument at the first =', () => {
    expect(parseVarArgs(['catalog_name=main', 'environment=', 'expr=a=b'])).toEqual({
      catalog_name: 'main',
      environment: '',
      expr: 'a=b',
    });
  });

  it('lets a later value win', () => {
    expect(parseVarArgs(['a=1', 'a=2'])).toEqual({ a: '2' });
  });

  it('rejects an argument without = or without a name', () => {
    const missing = thrownMlopsError(() => parseVarArgs(['catalog_name']));
    expect(missing.code).toBe('USAGE');
    expect(missing.message).toContain('"catalog_name"');
    expect(missing.message).toContain('no "="');
    const empty = thrownMlopsError(() => parseVarArgs(['=main']));
    expect(empty.code).toBe('USAGE');
    expect(empty.message).toContain('the name is empty');
  });
});
