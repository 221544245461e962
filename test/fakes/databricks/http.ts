import type { IncomingMessage, ServerResponse } from 'node:http';

/** One request as the fake saw it; tests assert on these (e.g. no Authorization on presigned URLs). */
export interface RecordedRequest {
  method: string;
  /** Decoded path without the query. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface FakeRequest extends RecordedRequest {
  /** Parsed JSON body (or {} when empty / not JSON). */
  json: Record<string, unknown>;
  /** Route parameters captured by the matched pattern. */
  params: string[];
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; Uint8Array and strings as they are. */
  body?: unknown;
}

export function json(body: unknown, status = 200): FakeResponse {
  return { status, body };
}

/** The `{error_code, message}` body every Databricks REST API answers errors with. */
export function apiError(status: number, errorCode: string, message: string): FakeResponse {
  return { status, body: { error_code: errorCode, message } };
}

export function empty(status = 200): FakeResponse {
  return { status, body: {} };
}

export async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

export function send(res: ServerResponse, response: FakeResponse, method: string): void {
  const headers: Record<string, string> = { ...response.headers };
  let payload: Uint8Array | undefined;
  if (response.body instanceof Uint8Array) payload = response.body;
  else if (typeof response.body === 'string') payload = new TextEncoder().encode(response.body);
  else if (response.body !== undefined) {
    payload = new TextEncoder().encode(JSON.stringify(response.body));
    headers['content-type'] ??= 'application/json';
  }
  if (payload !== undefined && headers['content-length'] === undefined) headers['content-length'] = String(payload.byteLength);
  res.writeHead(response.status, headers);
  res.end(method === 'HEAD' || response.status === 204 ? undefined : payload);
}

export function parseJson(body: Uint8Array): Record<string, unknown> {
  if (body.byteLength === 0) return {};
  try {
    const value = JSON.parse(new TextDecoder().decode(body)) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** GET requests carry their fields in the query string, POST/PATCH/DELETE in the JSON body (MLflow's convention). */
export function field(req: FakeRequest, name: string): string | undefined {
  const fromQuery = req.query.get(name);
  if (fromQuery !== null) return fromQuery;
  const value = req.json[name];
  return value === undefined || value === null ? undefined : String(value);
}
