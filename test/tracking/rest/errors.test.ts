import { describe, expect, it } from 'vitest';
import { errorCodeFromMlflow, mlflowErrorFor } from '../../../src/tracking/rest/errors.js';

describe('MLflow error codes', () => {
  it("maps MLflow's codes to ours and leaves the rest plain HTTP errors", () => {
    expect(errorCodeFromMlflow('RESOURCE_DOES_NOT_EXIST')).toBe('NOT_FOUND');
    expect(errorCodeFromMlflow('RESOURCE_ALREADY_EXISTS')).toBe('ALREADY_EXISTS');
    expect(errorCodeFromMlflow('INVALID_PARAMETER_VALUE')).toBe('INVALID_ARGUMENT');
    expect(errorCodeFromMlflow('DATA_LOSS')).toBe('CORRUPT');
    expect(errorCodeFromMlflow('PERMISSION_DENIED')).toBe('HTTP');
    expect(errorCodeFromMlflow(undefined)).toBe('HTTP');
  });

  it("answers with MLflow's error_code and HTTP status for ours", () => {
    expect(mlflowErrorFor('NOT_FOUND')).toEqual({ errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
    expect(mlflowErrorFor('ALREADY_EXISTS')).toEqual({ errorCode: 'RESOURCE_ALREADY_EXISTS', status: 400 });
    expect(mlflowErrorFor('INVALID_ARGUMENT')).toEqual({ errorCode: 'INVALID_PARAMETER_VALUE', status: 400 });
    expect(mlflowErrorFor('CORRUPT')).toEqual({ errorCode: 'DATA_LOSS', status: 500 });
    expect(mlflowErrorFor('IO')).toEqual({ errorCode: 'INTERNAL_ERROR', status: 500 });
  });
});
