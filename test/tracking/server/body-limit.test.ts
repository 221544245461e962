import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BODY_BYTES, startTrackingServer, type RunningTrackingServer } from '../../../src/tracking/server/server.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
let server: RunningTrackingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Sends `body` in `chunks` pieces (chunked, no Content-Length unless `declared`), returns status and JSON. */
function post(url: string, path: string, body: Buffer, options: { declared?: number; contentType?: string; method?: string } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': options.contentType ?? 'application/json' };
    if (options.declared !== undefined) headers['content-length'] = options.declared;
    const req = request(`${url}${path}`, { method: options.method ?? 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    // The server may answer and close before the whole body is sent: that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    if (options.declared !== undefined && options.declared > body.length) req.write(body);
    else {
      // Two writes without a Content-Length: Node sends the body chunked.
      req.write(body.subarray(0, body.length >> 1));
      req.end(body.subarray(body.length >> 1));
    }
  });
}

describe('tracking server request body limit', () => {
  it('defaults to 64 MiB and refuses a larger declared Content-Length with 413 REQUEST_LIMIT_EXCEEDED before reading it', async () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(64 * 1024 * 1024);
    server = await startTrackingServer({ root: join(await tempDir(), 'mlruns') });
    const answer = await post(server.url, '/api/2.0/mlflow/runs/log-batch', Buffer.from('{"run_id": "'), { declared: DEFAULT_MAX_BODY_BYTES + 1 });
    expect(answer).toEqual({
      status: 413,
      json: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: `The request body has ${DEFAULT_MAX_BODY_BYTES + 1} bytes; the limit is ${DEFAULT_MAX_BODY_BYTES} bytes (mlops tracking serve --max-body-bytes)` },
    });
  });

  it('applies a configured limit to chunked bodies too, and accepts bodies within it', async () => {
    server = await startTrackingServer({ root: join(await tempDir(), 'mlruns'), maxBodyBytes: 1024 });
    const big = Buffer.from(JSON.stringify({ name: 'x'.repeat(2000) }));
    const refused = await post(server.url, '/api/2.0/mlflow/experiments/create', big);
    expect(refused.status).toBe(413);
    expect(refused.json).toEqual({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'The request body has more than 1024 bytes; the limit is 1024 bytes (mlops tracking serve --max-body-bytes)' });
    const ok = await post(server.url, '/api/2.0/mlflow/experiments/create', Buffer.from(JSON.stringify({ name: 'small' })));
    expect(ok.status).toBe(200);
  });

  it('limits artifact uploads by their own limit, not the API one', async () => {
    server = await startTrackingServer({ root: join(await tempDir(), 'mlruns'), maxBodyBytes: 1024, maxArtifactBytes: 4096 });
    const upload = (size: number) => post(server!.url, '/api/2.0/mlflow-artifacts/artifacts/0/a.bin', Buffer.alloc(size, 1), { method: 'PUT', contentType: 'application/octet-stream' });
    expect((await upload(3000)).status).toBe(200);
    const refused = await upload(5000);
    expect(refused.status).toBe(413);
    expect(refused.json['message']).toContain('--max-artifact-bytes');
  });
});
