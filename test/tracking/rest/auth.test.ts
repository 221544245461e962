import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../../src/redact.js';
import { authFromEnv, basicAuth, splitUriCredentials } from '../../../src/tracking/rest/auth.js';

describe('MLflow credentials', () => {
  it('prefers MLFLOW_TRACKING_TOKEN, then username and password, as MLflow does', async () => {
    expect(await authFromEnv({ MLFLOW_TRACKING_TOKEN: 'tok', MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' })!.header()).toBe('Bearer tok');
    expect(await authFromEnv({ MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' })!.header()).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(authFromEnv({ MLFLOW_TRACKING_TOKEN: '' })).toBeUndefined();
    expect(authFromEnv({})).toBeUndefined();
  });

  it('lists the password and its Basic encoding as secrets', () => {
    const auth = basicAuth('user', 'secret-pw');
    expect(auth.secrets).toEqual(['secret-pw', Buffer.from('user:secret-pw').toString('base64')]);
  });

  it('moves user:password out of a URI into Basic auth', async () => {
    const { uri, auth } = splitUriCredentials('https://me:p%40ss@mlflow.example.com:8443/prefix');
    expect(uri).toBe('https://mlflow.example.com:8443/prefix');
    expect(await auth!.header()).toBe(`Basic ${Buffer.from('me:p@ss').toString('base64')}`);
    expect(splitUriCredentials('http://127.0.0.1:5000')).toEqual({ uri: 'http://127.0.0.1:5000', auth: undefined });
  });

  it('redacts secrets and their URL-encoded forms', () => {
    expect(redactSecrets('token a/b+c and a%2Fb%2Bc', ['a/b+c'])).toBe('token *** and ***');
    expect(redactSecrets('nothing here', ['', 'absent'])).toBe('nothing here');
  });
});
