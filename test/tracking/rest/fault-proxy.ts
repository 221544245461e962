import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request. */
export type Fault =
  /** Answer with this status without forwarding (the server never sees the request). */
  | { kind: 'refuse'; status: number; retryAfter?: string }
  /** Forward, let the server do the work, then cut the connection instead of answering. */
  | { kind: 'drop-response' }
  /** Forward, let the server do the work, then answer this status instead of the real answer. */
  | { kind: 'replace-response'; status: number }
  /** Cut the connection before forwarding. */
  | { kind: 'reset' };

export interface FaultProxy {
  url: string;
  /** Every request that reached the proxy, as `METHOD /path`. */
  log: string[];
  /** When each request arrived (ms, performance.now()). */
  arrivals: number[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 port 0 in front of a real server, which injects failures: `decide`
 * gets each request (method and path, and how many requests with that method and path came
 * before) and returns a fault, or undefined to pass it through.
 */
export async function startFaultProxy(target: string, decide: (request: { method: string; path: string; count: number }) => Fault | undefined): Promise<FaultProxy> {
  const log: string[] = [];
  const arrivals: number[] = [];
  const counts = new Map<string, number>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const method = request.method ?? 'GET';
        const url = new URL(request.url ?? '/', 'http://proxy');
        const key = `${method} ${url.pathname}`;
        const count = counts.get(key) ?? 0;
        counts.set(key, count + 1);
        log.push(key);
        arrivals.push(performance.now());
        const fault = decide({ method, path: url.pathname, count });
        if (fault?.kind === 'reset') {
          request.socket.destroy();
          return;
        }
        if (fault?.kind === 'refuse') {
          response.writeHead(fault.status, { 'Content-Type': 'application/json', ...(fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {}) });
          response.end(JSON.stringify({ error_code: fault.status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : 'TEMPORARILY_UNAVAILABLE', message: 'injected' }));
          return;
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const upstream = await fetch(`${target}${url.pathname}${url.search}`, { method, headers, ...(body && method !== 'GET' ? { body } : {}) });
        const bytes = Buffer.from(await upstream.arrayBuffer());
        if (fault?.kind === 'drop-response') {
          request.socket.destroy();
          return;
        }
        if (fault?.kind === 'replace-response') {
          response.writeHead(fault.status, { 'Content-Type': 'text/html' }).end('<html><title>Bad Gateway</title></html>');
          return;
        }
        response.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'application/octet-stream' }).end(bytes);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
