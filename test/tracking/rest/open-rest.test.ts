import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { openRestTracking } from '../../../src/tracking/rest/open-rest.js';
import { rejectedMlopsError } from '../../helpers/errors.js';
import { json, useScriptedServers } from '../../helpers/scripted-server.js';

const scripted = useScriptedServers();

describe('openRestTracking: credentials and settings from the environment', () => {
  const echoAuthorization = (_n: number, request: IncomingMessage, response: ServerResponse) =>
    // A careless server that puts the credentials it got into its error message.
    json(response, 403, { error_code: 'PERMISSION_DENIED', message: `denied for ${request.headers.authorization ?? 'nobody'}` });

  it('sends MLFLOW_TRACKING_TOKEN as a Bearer token and never puts it in an error message', async () => {
    const server = await scripted(echoAuthorization);
    const token = 'dapi-secret-token-0123456789';
    const { tracking } = openRestTracking({ uri: server.url, env: { MLFLOW_TRACKING_TOKEN: token, MLFLOW_TRACKING_USERNAME: 'ignored' } });
    const error = await rejectedMlopsError(tracking.getRun('abc'));
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${token}`);
    expect(error).toMatchObject({ code: 'HTTP', status: 403, serverCode: 'PERMISSION_DENIED' });
    expect(error.message).toContain('denied for Bearer ***');
    expect(error.message).not.toContain(token);
    expect(JSON.stringify(error.details)).not.toContain(token);
    expect(tracking.uri).toBe(server.url);
  });

  it('sends MLFLOW_TRACKING_USERNAME / PASSWORD as Basic auth and hides the password and its encoding', async () => {
    const server = await scripted(echoAuthorization);
    const { tracking } = openRestTracking({ uri: server.url, env: { MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: 'pa55-w0rd!' } });
    const error = await rejectedMlopsError(tracking.getRun('abc'));
    const encoded = Buffer.from('alice:pa55-w0rd!').toString('base64');
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${encoded}`);
    expect(error.message).not.toContain(encoded);
    expect(error.message).not.toContain('pa55-w0rd!');
  });

  it('takes user:password from the tracking URI as Basic auth and reports the URI without them', async () => {
    const server = await scripted(echoAuthorization);
    const withCredentials = server.url.replace('http://', 'http://bob:hunter2-secret@');
    const { tracking } = openRestTracking({ uri: withCredentials });
    const error = await rejectedMlopsError(tracking.getExperiment('1'));
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('bob:hunter2-secret').toString('base64')}`);
    expect(tracking.uri).toBe(server.url);
    expect(error.message).not.toContain('hunter2-secret');
    expect(error.message).toContain(server.url);
  });

  it('reads MLFLOW_HTTP_REQUEST_MAX_RETRIES and refuses a bad value', async () => {
    const server = await scripted((_n, _request, response) => json(response, 502, {}));
    const { tracking, http } = openRestTracking({ uri: server.url, env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1' }, retry: { baseDelayMs: 1 } });
    await rejectedMlopsError(tracking.getRun('abc'));
    expect(http.requestCount).toBe(2);
    expect(() => openRestTracking({ uri: server.url, env: { MLFLOW_HTTP_REQUEST_TIMEOUT: 'soon' } })).toThrow(/MLFLOW_HTTP_REQUEST_TIMEOUT must be a non-negative number/);
  });
});
