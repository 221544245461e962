import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { MlopsError } from '../../errors.js';
import { FileModelRegistry } from '../file-store/registry-file-store.js';
import { FileTrackingStore } from '../file-store/tracking-file-store.js';
import { SqliteConnection } from '../sql-store/connection.js';
import { SqlModelRegistry } from '../sql-store/registry-sql-store.js';
import { defaultArtifactsDestination, sqlitePathFromUri } from '../sql-store/sqlite-uri.js';
import { SqlTrackingStore } from '../sql-store/tracking-sql-store.js';
import type { ServedModelRegistry, ServedTrackingStore } from './stores.js';
import { mlflowErrorFor } from '../rest/errors.js';
import { artifactProxyRoutes } from './artifact-proxy.js';
import { loggedModelRoutes } from './logged-model-routes.js';
import { artifactUriToPath } from '../file-store/artifact-uri.js';
import type { SourceCheckContext } from './model-version-source.js';
import { Params } from './params.js';
import { hideServerPaths } from './public-message.js';
import { registryRoutes } from './registry-routes.js';
import { matchRoute, withAjaxAliases, type ApiResult, type Route } from './router.js';
import { trackingRoutes } from './tracking-routes.js';

export interface RequestLogEvent {
  method: string;
  path: string;
  status: number;
  durationMs: number;
}

export interface TrackingHandlerOptions {
  tracking: ServedTrackingStore;
  registry: ServedModelRegistry;
  /** The proxy's --artifacts-destination folder. */
  artifactsDestination: string;
  /** Largest API request body accepted; default 64 MiB. Larger ones get 413 REQUEST_LIMIT_EXCEEDED. */
  maxBodyBytes?: number;
  /** Largest artifact upload (PUT through the artifact proxy); default 1 GiB. */
  maxArtifactBytes?: number;
  onRequest?: (event: RequestLogEvent) => void;
}

export interface TrackingServerOptions {
  /** The mlruns folder (MLflow's --backend-store-uri as a path), or a sqlite:/// URI of MLflow's SQL store. */
  root: string;
  /** Where proxied artifacts live; default `mlartifacts` beside the mlruns folder (or the database file), as in MLflow's layout. */
  artifactsDestination?: string;
  /** New experiments' artifact root; default `mlflow-artifacts:/` so clients upload through the proxy. */
  defaultArtifactRoot?: string;
  /** Default 127.0.0.1: the server has no authentication of its own. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Largest API request body; default 64 MiB (`mlops tracking serve --max-body-bytes`). */
  maxBodyBytes?: number;
  /** Largest artifact upload; default 1 GiB (`--max-artifact-bytes`). */
  maxArtifactBytes?: number;
  onRequest?: (event: RequestLogEvent) => void;
  onCorrupt?: (error: MlopsError) => void;
}

export interface RunningTrackingServer {
  /** e.g. http://127.0.0.1:5000 — use it as MLFLOW_TRACKING_URI. */
  url: string;
  port: number;
  tracking: ServedTrackingStore;
  registry: ServedModelRegistry;
  artifactsDestination: string;
  server: Server;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}

/** MLflow's own server sets no limit; 64 MiB is far above any log-batch (1,000 metrics) or model-version request. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 ** 2;
/** Artifact uploads are held in memory before the atomic write, so they have a limit of their own. */
export const DEFAULT_MAX_ARTIFACT_BYTES = 1024 ** 3;
/** The MLflow release whose REST API and file layout this server follows (what /version reports). */
export const MLFLOW_SERVER_VERSION = '2.12.2';

function errorBody(errorCode: string, message: string): string {
  return JSON.stringify({ error_code: errorCode, message });
}

/** A body over the limit: 413, with an MLflow-shaped error naming the limit and the option that raises it. */
class BodyTooLarge extends MlopsError {
  constructor(size: string, limit: number, option: string) {
    super('INVALID_ARGUMENT', `The request body has ${size}; the limit is ${limit} bytes (mlops tracking serve ${option})`, { details: { limit } });
  }
}

async function readBody(request: IncomingMessage, limit: number, option: string): Promise<Buffer> {
  // Refused from Content-Length before a byte is read, or as soon as a chunked body grows past it.
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge(`${declared} bytes`, limit, option);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(`more than ${limit} bytes`, limit, option);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** JSON parameters of a POST, PATCH or DELETE, checked the way MLflow's server checks them. */
function jsonParams(request: IncomingMessage, body: Buffer): Params {
  if (body.length === 0) return Params.fromJson({});
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/json') {
    throw new MlopsError('INVALID_ARGUMENT', "Bad Request. Content-Type must be one of ['application/json'].", { details: { contentType } });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new MlopsError('INVALID_ARGUMENT', `Malformed JSON request body: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MlopsError('INVALID_ARGUMENT', 'Malformed JSON request body: expected a JSON object', {});
  }
  return Params.fromJson(parsed as Record<string, unknown>);
}

function send(response: ServerResponse, status: number, contentType: string, body: string | Uint8Array): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

function sendResult(response: ServerResponse, result: ApiResult): number {
  const status = result.status ?? 200;
  if ('json' in result) send(response, status, 'application/json', JSON.stringify(result.json));
  else if ('bytes' in result) send(response, status, result.contentType, result.bytes);
  else send(response, status, result.contentType ?? 'text/plain; charset=utf-8', result.text);
  return status;
}

/** Every route the server answers (the interop suite checks each against MLflow's protos). */
export function trackingServerRoutes(options: Pick<TrackingHandlerOptions, 'tracking' | 'registry' | 'artifactsDestination'>): Route[] {
  return [
    { method: 'GET', path: '/health', handler: async () => ({ text: 'OK' }) },
    { method: 'GET', path: '/version', handler: async () => ({ text: MLFLOW_SERVER_VERSION }) },
    ...withAjaxAliases([
      ...trackingRoutes(options.tracking),
      ...registryRoutes(options.registry, runArtifactDirs(options.tracking, options.artifactsDestination)),
      ...(options.tracking.loggedModels ? loggedModelRoutes(options.tracking) : []),
    ]),
    ...artifactProxyRoutes(options.artifactsDestination),
  ];
}

/**
 * The request handler of an MLflow 2.12–compatible tracking server over the file store: the
 * tracking and registry APIs, the artifact proxy, /health and /version. Every error is MLflow's
 * JSON `{error_code, message}` with MLflow's HTTP status.
 */
export function createTrackingHandler(options: TrackingHandlerOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const routes = trackingServerRoutes(options);
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const artifactLimit = options.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
  // Error messages name files relative to these, never by their absolute path on this machine.
  const serverPaths = [
    { path: options.tracking.root, label: '<tracking store>' },
    { path: options.artifactsDestination, label: '<artifacts destination>' },
  ];

  const handle = async (request: IncomingMessage, response: ServerResponse, abort: AbortController): Promise<number> => {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = matchRoute(routes, method, url.pathname);
    if (match === undefined) {
      send(response, 404, 'application/json', errorBody('ENDPOINT_NOT_FOUND', `No API endpoint at ${method} ${url.pathname}`));
      return 404;
    }
    if ('allowed' in match) {
      response.setHeader('Allow', match.allowed.join(', '));
      send(response, 405, 'application/json', errorBody('BAD_REQUEST', `The method ${method} is not allowed for ${url.pathname}; use ${match.allowed.join(' or ')}`));
      return 405;
    }
    try {
      const body = match.route.rawBody ? await readBody(request, artifactLimit, '--max-artifact-bytes') : await readBody(request, limit, '--max-body-bytes');
      const params = method === 'GET' || match.route.rawBody ? Params.fromQuery(url.searchParams) : jsonParams(request, body);
      const result = await match.route.handler({ method, path: url.pathname, rest: match.rest, query: url.searchParams, params, body, signal: abort.signal });
      return sendResult(response, result);
    } catch (error) {
      const mlopsError = error instanceof MlopsError ? error : undefined;
      const { errorCode, status } =
        error instanceof BodyTooLarge ? { errorCode: 'REQUEST_LIMIT_EXCEEDED', status: 413 } : mlflowErrorFor(mlopsError?.code ?? 'INTERNAL');
      const message = hideServerPaths(error instanceof Error ? error.message : String(error), serverPaths);
      if (!response.headersSent) {
        // The rest of a refused body may still be arriving: do not keep the connection.
        if (status === 413) response.setHeader('Connection', 'close');
        send(response, status, 'application/json', errorBody(errorCode, message));
      } else response.destroy();
      return status;
    }
  };

  return (request, response) => {
    const started = performance.now();
    const abort = new AbortController();
    // A client that goes away stops the work done for it.
    response.on('close', () => {
      if (!response.writableFinished) abort.abort(new Error('client disconnected'));
    });
    void handle(request, response, abort).then((status) => {
      options.onRequest?.({ method: request.method ?? 'GET', path: new URL(request.url ?? '/', 'http://localhost').pathname, status, durationMs: Math.round(performance.now() - started) });
    });
  };
}

/** Where a run's artifacts are on this server's disk, for checking local model-version sources. */
function runArtifactDirs(tracking: ServedTrackingStore, artifactsDestination: string): SourceCheckContext {
  return {
    async runArtifactDir(runId) {
      const run = await tracking.getRun(runId);
      try {
        return artifactUriToPath(run.info.artifactUri, { artifactsDestination });
      } catch {
        return undefined; // a remote artifact location: no local path can be inside it
      }
    },
  };
}

/** Starts the server; resolves once it listens. Stop it with close(). */
export async function startTrackingServer(options: TrackingServerOptions): Promise<RunningTrackingServer> {
  let tracking: ServedTrackingStore;
  let registry: ServedModelRegistry;
  let artifactsDestination: string;
  let connection: SqliteConnection | undefined;
  if (/^sqlite:/i.test(options.root)) {
    const database = sqlitePathFromUri(options.root, process.cwd());
    artifactsDestination = resolve(options.artifactsDestination ?? defaultArtifactsDestination(database));
    connection = new SqliteConnection(database);
    tracking = new SqlTrackingStore({ connection, uri: options.root, artifactsDestination, defaultArtifactRoot: options.defaultArtifactRoot ?? 'mlflow-artifacts:/' });
    registry = new SqlModelRegistry({ connection });
    // Open now, so a database that cannot be used (a schema revision we do not write) fails the start rather than the first request.
    await tracking.searchExperiments({ maxResults: 1 });
  } else {
    const root = resolve(options.root);
    artifactsDestination = resolve(options.artifactsDestination ?? join(dirname(root), 'mlartifacts'));
    tracking = new FileTrackingStore({
      root,
      artifactsDestination,
      defaultArtifactRoot: options.defaultArtifactRoot ?? 'mlflow-artifacts:/',
      ...(options.onCorrupt ? { onCorrupt: options.onCorrupt } : {}),
    });
    registry = new FileModelRegistry({ root, ...(options.onCorrupt ? { onCorrupt: options.onCorrupt } : {}) });
  }
  const server = createServer(
    createTrackingHandler({
      tracking,
      registry,
      artifactsDestination,
      ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
      ...(options.maxArtifactBytes === undefined ? {} : { maxArtifactBytes: options.maxArtifactBytes }),
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    }),
  );
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new MlopsError('IO', `Could not listen on ${host}:${options.port ?? 0}: ${error.message}`, { cause: error, details: { host, port: options.port ?? 0 } }));
    });
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    tracking,
    registry,
    artifactsDestination,
    server,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => {
          connection?.close();
          resolveClose();
        });
        server.closeAllConnections();
      }),
  };
}
