import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** One recorded request and the real MLflow 2.12.2 server's answer. */
export interface Exchange {
  number: number;
  title: string;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  /** The request body as recorded (JSON text or plain text); undefined when there was none. */
  requestBody: string | undefined;
  status: number;
  contentType: string;
  responseBody: string;
}

const FILE = fileURLToPath(new URL('../../fixtures/mlflow-rest/mlflow-2.12.2-rest-transcript.md', import.meta.url));

/** Code blocks of a section, in order: [language, content without the final newline]. */
function codeBlocks(text: string): Array<[string, string]> {
  const blocks: Array<[string, string]> = [];
  const pattern = /^```(\w*)\n([\s\S]*?)\n```$/gm;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) blocks.push([match[1]!, match[2]!]);
  return blocks;
}

/**
 * Parses the transcript. `artifactRoot` replaces the ARTIFACT_ROOT placeholder everywhere
 * (the recorded server's local artifact folder, which it also served through its proxy).
 */
export function readTranscript(artifactRoot = 'mlflow-artifacts:'): Map<number, Exchange> {
  const text = readFileSync(FILE, 'utf8').replaceAll('ARTIFACT_ROOT', artifactRoot);
  const exchanges = new Map<number, Exchange>();
  const sections = text.split(/^### /m).slice(1);
  for (const section of sections) {
    const heading = /^(\d+)\. (.+)$/m.exec(section);
    if (heading === null) continue;
    const [before, after] = section.split(/^→ /m) as [string, string];
    const requestBlocks = codeBlocks(before);
    const [http, body] = requestBlocks;
    if (http === undefined || http[0] !== 'http') throw new Error(`Exchange ${heading[1]}: no http block`);
    const [requestLine, ...headerLines] = http[1].split('\n');
    const [method, target] = requestLine!.split(' ') as [string, string];
    const url = new URL(target, 'http://recorded');
    const status = /\*\*HTTP (\d+)\*\*, Content-Type: `([^`]+)`/.exec(after);
    if (status === null) throw new Error(`Exchange ${heading[1]}: no status line`);
    const response = codeBlocks(after)[0];
    exchanges.set(Number(heading[1]), {
      number: Number(heading[1]),
      title: heading[2]!,
      method,
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: Object.fromEntries(headerLines.filter((line) => line.includes(':')).map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()])),
      requestBody: body?.[1],
      status: Number(status[1]),
      contentType: status[2]!,
      responseBody: response?.[1] ?? '',
    });
  }
  return exchanges;
}

/** True when every field of `recorded` is in `actual` with the same value; lists of objects match element-wise by containment. */
export function containsJson(actual: unknown, recorded: unknown): boolean {
  if (Array.isArray(recorded)) {
    if (!Array.isArray(actual)) return false;
    if (recorded.every((item) => typeof item !== 'object' || item === null)) return JSON.stringify(actual) === JSON.stringify(recorded);
    return recorded.every((item) => actual.some((candidate) => containsJson(candidate, item)));
  }
  if (typeof recorded === 'object' && recorded !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
    return Object.entries(recorded).every(([key, value]) => containsJson((actual as Record<string, unknown>)[key], value));
  }
  return Object.is(actual, recorded);
}

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface ReplayOptions {
  /** Compare JSON bodies for equality instead of containment (for these exchange numbers). */
  exact?: readonly number[];
  /** Requests the recording does not have but the client may send (answered here, not consumed). */
  extra?: (request: SeenRequest) => { status: number; body: string } | undefined;
}

export interface Replay {
  url: string;
  seen: SeenRequest[];
  /** Problems found: requests that were not the recorded ones, recorded ones never asked. */
  problems(): string[];
  close(): Promise<void>;
}

function sameQuery(actual: URLSearchParams, recorded: URLSearchParams): boolean {
  const sorted = (params: URLSearchParams) => [...params.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(sorted(actual)) === JSON.stringify(sorted(recorded));
}

/** Compares a request with the recorded one; returns what differs, or undefined. */
function mismatch(request: SeenRequest, recorded: Exchange, exact: boolean): string | undefined {
  if (request.method !== recorded.method || request.path !== recorded.path) {
    return `expected ${recorded.method} ${recorded.path} (#${recorded.number} ${recorded.title}), got ${request.method} ${request.path}`;
  }
  if (!sameQuery(request.query, recorded.query)) return `#${recorded.number}: expected query ${recorded.query}, got ${request.query}`;
  if (recorded.requestBody === undefined) return undefined;
  const body = request.body.toString('utf8');
  if (recorded.headers['content-type'] === 'application/json' && (request.headers['content-type'] ?? '').startsWith('application/json')) {
    const actual = JSON.parse(body) as unknown;
    const expected = JSON.parse(recorded.requestBody) as unknown;
    const ok = exact ? JSON.stringify(actual) === JSON.stringify(expected) || containsJson(actual, expected) && containsJson(expected, actual) : containsJson(actual, expected);
    return ok ? undefined : `#${recorded.number}: body ${body} does not ${exact ? 'equal' : 'contain'} the recorded ${JSON.stringify(expected)}`;
  }
  return body === recorded.requestBody ? undefined : `#${recorded.number}: body ${JSON.stringify(body)} is not the recorded ${JSON.stringify(recorded.requestBody)}`;
}

/**
 * A server on 127.0.0.1 port 0 that expects the given exchanges in order, checks each request
 * against the recording and answers with the recorded status, content type and body.
 */
export async function startReplay(exchanges: readonly Exchange[], options: ReplayOptions = {}): Promise<Replay> {
  const queue = [...exchanges];
  const problems: string[] = [];
  const seen: SeenRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://replay');
      const seenRequest: SeenRequest = { method: request.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, headers: request.headers, body: Buffer.concat(chunks) };
      seen.push(seenRequest);
      const extra = options.extra?.(seenRequest);
      if (extra !== undefined) {
        response.writeHead(extra.status, { 'Content-Type': 'application/json' }).end(extra.body);
        return;
      }
      const next = queue.shift();
      if (next === undefined) {
        problems.push(`unexpected ${seenRequest.method} ${seenRequest.path}: the recording has no more exchanges`);
        response.writeHead(599).end();
        return;
      }
      const problem = mismatch(seenRequest, next, options.exact?.includes(next.number) ?? false);
      if (problem !== undefined) problems.push(problem);
      response.writeHead(next.status, { 'Content-Type': next.contentType }).end(next.responseBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    problems: () => [...problems, ...queue.map((left) => `#${left.number} ${left.title} was never requested`)],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
