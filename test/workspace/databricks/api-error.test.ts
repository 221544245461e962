import { describe, expect, it } from 'vitest';
import { apiError, parseErrorBody } from '../../../src/workspace/databricks/api-error.js';

describe('apiError', () => {
  it('maps Databricks error codes to typed codes and keeps the server code', () => {
    const notFound = apiError(404, '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run x not found"}', 'GET', 'https://h/api/2.0/mlflow/runs/get?run_id=x', []);
    expect(notFound).toMatchObject({ code: 'NOT_FOUND', status: 404, serverCode: 'RESOURCE_DOES_NOT_EXIST' });
    expect(notFound.message).toBe('Databricks GET /api/2.0/mlflow/runs/get?*** failed with 404 RESOURCE_DOES_NOT_EXIST: Run x not found');
    expect(apiError(400, '{"error_code":"RESOURCE_ALREADY_EXISTS","message":"m"}', 'POST', 'https://h/x', []).code).toBe('ALREADY_EXISTS');
    expect(apiError(400, '{"error_code":"INVALID_PARAMETER_VALUE","message":"m"}', 'POST', 'https://h/x', []).code).toBe('INVALID_ARGUMENT');
    expect(apiError(409, '', 'PUT', 'https://h/x', []).code).toBe('ALREADY_EXISTS');
    expect(apiError(500, 'oops', 'PUT', 'https://h/x', []).code).toBe('HTTP');
  });

  it('hints at credentials on 401 and at grants on 403, and redacts echoed secrets', () => {
    expect(apiError(401, '{"error_code":"UNAUTHENTICATED","message":"bad"}', 'GET', 'https://h/x', []).details?.hint).toMatch(/DATABRICKS_TOKEN/);
    expect(apiError(403, '{"error_code":"PERMISSION_DENIED","message":"no"}', 'GET', 'https://h/x', []).details?.hint).toMatch(/GRANT/);
    const echoed = apiError(400, '{"error_code":"BAD_REQUEST","message":"token dapi-secret-123 is wrong"}', 'GET', 'https://h/x?sig=abc&se=1', ['dapi-secret-123']);
    expect(echoed.message).not.toContain('dapi-secret-123');
    expect(echoed.url).toBe('https://h/x?***');
  });
});

describe('parseErrorBody', () => {
  it('reads the SCIM and OAuth error shapes too', () => {
    expect(parseErrorBody('{"detail":"User not found","status":"404"}')).toEqual({ errorCode: undefined, message: 'User not found' });
    expect(parseErrorBody('{"error":"invalid_client","error_description":"nope"}')).toEqual({ errorCode: 'invalid_client', message: 'nope' });
    expect(parseErrorBody('<html>Bad gateway</html>').message).toBe('<html>Bad gateway</html>');
  });
});
