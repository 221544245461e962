import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { MlopsError } from '../errors.js';
import { silentReporter, type Reporter } from '../reporter.js';
import type { ModelSource, ServedModel } from './model-source.js';
import { readBodyChunks } from './read-body.js';
import { ScoringError } from './scoring-error.js';
import { ScoringPool } from './scoring-pool.js';

export interface ScoringServerOptions {
  source: ModelSource;
  /** Default 127.0.0.1: reachable from this machine only unless asked otherwise. */
  host?: string;
  /** Default 5000, like `mlflow models serve`; 0 picks a free port. */
  port?: number;
  /** Largest request body accepted; default 16 MiB. */
  maxBodyBytes?: number;
  /** Most rows one request may score; default 100,000 (more: 413 REQUEST_LIMIT_EXCEEDED). */
  maxRows?: number;
  /** Worker threads that parse and score requests off the event loop; default cores − 1 (1 to 4). */
  scoringWorkers?: number;
  /** What GET /version answers. */
  version?: string;
  /** How long close() waits for requests in flight before cutting connections; default 10 s. */
  shutdownGraceMs?: number;
  reporter?: Reporter;
  /** Aborting closes the server gracefully. */
  signal?: AbortSignal;
}

export interface ReloadResult {
  model_uri: string;
  changed: boolean;
  version: string | null;
  previous_version: string | null;
}

export interface ScoringServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The model being served now. */
  current(): ServedModel;
  /** Re-resolves the URI (an alias moves) and swaps the model in when it names another version. */
  reload(): Promise<ReloadResult>;
  /** Stops accepting, lets requests in flight finish (up to the grace period), frees the model. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** 100,000 rows answer with ~12 MB of JSON; larger batches belong to batch inference. */
export const DEFAULT_MAX_ROWS = 100_000;

export function defaultScoringWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/**
 * MLflow's scoring protocol over node:http: GET /ping and /health (200 once the model is loaded),
 * GET /version, POST /invocations (JSON dataframe_split / dataframe_records / instances / inputs,
 * or text/csv) answering {"predictions": [...]}, plus POST /reload. Errors are JSON
 * {"error_code", "message"} with MLflow's codes.
 */
export async function startScoringServer(options: ScoringServerOptions): Promise<ScoringServer> {
  const reporter = options.reporter ?? silentReporter;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limits = { maxRows: options.maxRows ?? DEFAULT_MAX_ROWS };
  const host = options.host ?? '127.0.0.1';
  let served = await options.source.load(options.signal ? { signal: options.signal } : {});
  const pool = new ScoringPool(options.scoringWorkers ?? defaultScoringWorkers(), {
    onInternalError: (message) => reporter.report({ type: 'log', stage: 'serve', message: `error: ${message}` }),
  });
  pool.setModel(served.classifier.describe());
  let stopping = false;
  let reloading: Promise<ReloadResult> | undefined;

  const reload = (): Promise<ReloadResult> => {
    reloading ??= swapModel().finally(() => {
      reloading = undefined;
    });
    return reloading;
  };

  async function swapModel(): Promise<ReloadResult> {
    const previous = served;
    const base = { model_uri: options.source.uri, previous_version: previous.version ?? null };
    if (!options.source.isMovable) return { ...base, changed: false, version: previous.version ?? null };
    const now = await options.source.currentVersion();
    if (now === previous.version) return { ...base, changed: false, version: now ?? null };
    const next = await options.source.load();
    // The workers score with their own copy of the weights: the old classifier can go now.
    pool.setModel(next.classifier.describe());
    served = next;
    previous.classifier.dispose();
    reporter.report({ type: 'log', stage: 'serve', message: `reloaded ${options.source.uri}: version ${previous.version} → ${next.version}` });
    return { ...base, changed: true, version: next.version ?? null };
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (stopping && !response.headersSent) response.setHeader('connection', 'close');
      sendError(response, error, reporter);
    });
  });

  /** Answers; once shutdown has begun, also closes the connection so close() need not wait for keep-alive. */
  const reply = (response: ServerResponse, status: number, contentType: string, body: string | Uint8Array): void => {
    if (stopping) response.setHeader('connection', 'close');
    send(response, status, contentType, body);
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (stopping) {
      throw new ScoringError(503, 'TEMPORARILY_UNAVAILABLE', 'The scoring server is shutting down');
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const method = request.method ?? 'GET';
    switch (path) {
      case '/ping':
      case '/health':
        allow(method, ['GET', 'HEAD']);
        return reply(response, 200, 'application/json', '\n');
      case '/version':
        allow(method, ['GET', 'HEAD']);
        return reply(response, 200, 'text/plain; charset=utf-8', options.version ?? 'unknown');
      case '/invocations': {
        allow(method, ['POST']);
        const body = await readBodyChunks(request, maxBodyBytes);
        // Joining, parsing and scoring run on a worker thread: the event loop stays free for /ping and I/O.
        return reply(response, 200, 'application/json', await pool.score(body, request.headers['content-type'], limits));
      }
      case '/reload':
        allow(method, ['POST']);
        return reply(response, 200, 'application/json', JSON.stringify(await reload()));
      default:
        throw new ScoringError(404, 'ENDPOINT_NOT_FOUND', `No endpoint ${method} ${path}; the scoring server has GET /ping, /health, /version and POST /invocations, /reload`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 5000, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    served.classifier.dispose();
    await pool.close();
    const code = (error as { code?: string }).code;
    throw new MlopsError('IO', `Cannot listen on ${host}:${options.port ?? 5000}: ${code === 'EADDRINUSE' ? 'the port is in use' : (error as Error).message}`, { cause: error });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      stopping = true;
      const timer = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
      server.close(() => {
        clearTimeout(timer);
        served.classifier.dispose();
        void pool.close().then(() => {
          reporter.report({ type: 'log', stage: 'serve', message: 'scoring server stopped' });
          resolve();
        });
      });
      // Keep-alive connections with nothing in flight would otherwise hold close() open.
      server.closeIdleConnections();
    });
    return closing;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });

  reporter.report({
    type: 'log',
    stage: 'serve',
    message: `serving ${options.source.uri}${served.version ? ` (version ${served.version})` : ''} on http://${urlHost}:${address.port}`,
  });
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    current: () => served,
    reload,
    close,
  };
}

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) {
    throw new ScoringError(405, 'BAD_REQUEST', `Method ${method} is not allowed here; use ${methods.join(' or ')}`, { allow: methods });
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string | Uint8Array): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function sendError(response: ServerResponse, error: unknown, reporter: Reporter): void {
  const scoring =
    error instanceof ScoringError
      ? error
      : error instanceof MlopsError && error.code === 'NOT_FOUND'
        ? new ScoringError(404, 'RESOURCE_DOES_NOT_EXIST', error.message)
        : new ScoringError(500, 'INTERNAL_ERROR', 'The model failed to score the input; the server log has the details');
  if (!(error instanceof ScoringError) && scoring.status === 500) {
    reporter.report({ type: 'log', stage: 'serve', message: `error: ${error instanceof Error ? error.message : String(error)}` });
  }
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const allowed = scoring.details?.['allow'];
  if (Array.isArray(allowed)) response.setHeader('allow', allowed.join(', '));
  // After a refused body the rest of it may still be arriving: do not reuse the connection.
  if (scoring.status === 413) response.setHeader('connection', 'close');
  send(response, scoring.status, 'application/json', JSON.stringify(scoring.toJSON()));
}
