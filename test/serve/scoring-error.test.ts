import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors.js';
import { badRequest, invalidInput, ScoringError } from '../../src/serve/scoring-error.js';

describe('ScoringError', () => {
  it('is an MlopsError that serialises as MLflow’s error body', () => {
    const error = invalidInput("Model is missing inputs ['x']", { missing: ['x'] });
    expect(error).toBeInstanceOf(MlopsError);
    expect(error).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE', code: 'SCHEMA_MISMATCH', details: { missing: ['x'] } });
    expect(JSON.stringify(error)).toBe(`{"error_code":"INVALID_PARAMETER_VALUE","message":"Model is missing inputs ['x']"}`);
    expect(badRequest('no').toJSON()).toEqual({ error_code: 'BAD_REQUEST', message: 'no' });
    expect(new ScoringError(413, 'REQUEST_LIMIT_EXCEEDED', 'big').code).toBe('INVALID_ARGUMENT');
  });
});
