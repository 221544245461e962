import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** Answers the n-th request (counting from 0) a scripted server receives. */
export type Script = (n: number, request: IncomingMessage, response: ServerResponse) => void;

export interface ScriptedServer {
  url: string;
  /** Every request received so far, in arrival order, with when its body ended. */
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; at: number }>;
  /** Stops listening now (e.g. to leave a port with nothing behind it). */
  close(): Promise<void>;
}

/** Starts HTTP servers on 127.0.0.1 port 0 that answer by `script`; all are closed after the test that started them. */
export function useScriptedServers(): (script: Script) => Promise<ScriptedServer> {
  const running: Server[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map(stop));
  });
  return async (script) => {
    const requests: ScriptedServer['requests'] = [];
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, at: performance.now() });
        script(requests.length - 1, request, response);
      });
    });
    running.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      requests,
      close: async () => {
        running.splice(running.indexOf(server), 1);
        await stop(server);
      },
    };
  };
}

/** Writes a JSON answer. */
export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function stop(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
