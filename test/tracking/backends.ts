import { logRoute } from '../helpers/route-log.js';
import { join } from 'node:path';
import { FileModelRegistry } from '../../src/tracking/file-store/registry-file-store.js';
import { FileTrackingStore } from '../../src/tracking/file-store/tracking-file-store.js';
import type { SearchEntitiesOptions } from '../../src/tracking/file-store/entity-search.js';
import { openRestTracking } from '../../src/tracking/rest/open-rest.js';
import { SqliteConnection } from '../../src/tracking/sql-store/connection.js';
import { SqlModelRegistry } from '../../src/tracking/sql-store/registry-sql-store.js';
import { sqliteUriFromPath } from '../../src/tracking/sql-store/sqlite-uri.js';
import { SqlTrackingStore } from '../../src/tracking/sql-store/tracking-sql-store.js';
import { startTrackingServer, type RunningTrackingServer } from '../../src/tracking/server/server.js';
import type { ModelRegistry, ModelVersion, Page, TrackingStore } from '../../src/tracking/types.js';

/** What both implementations offer beyond the interfaces: filtered searches. */
export type SearchableRegistry = ModelRegistry & {
  searchModelVersions(options?: SearchEntitiesOptions): Promise<Page<ModelVersion>>;
};

export interface Backend {
  tracking: TrackingStore;
  registry: SearchableRegistry;
  /** The mlruns folder behind it (the database file for the SQLite store). */
  root: string;
  /** Set for the REST backend. */
  server?: RunningTrackingServer;
  close(): Promise<void>;
}

export type BackendKind = 'file store' | 'SQLite store' | 'REST client → server';

/** The file store used directly, or the REST client talking to our server (real HTTP on port 0) over a file store. */
export async function openBackend(kind: BackendKind, dir: string): Promise<Backend> {
  if (kind === 'SQLite store') {
    const database = join(dir, 'mlflow.db');
    const connection = new SqliteConnection(database);
    const tracking = new SqlTrackingStore({ connection, uri: sqliteUriFromPath(database), artifactsDestination: join(dir, 'mlartifacts') });
    return { tracking, registry: new SqlModelRegistry({ connection }), root: database, close: async () => connection.close() };
  }
  const root = join(dir, 'mlruns');
  if (kind === 'file store') {
    return { tracking: new FileTrackingStore({ root }), registry: new FileModelRegistry({ root }), root, close: async () => undefined };
  }
  const server = await startTrackingServer({ root, artifactsDestination: join(dir, 'mlartifacts'), onRequest: (event) => logRoute('tracking', event.method, event.path) });
  const { tracking, registry } = openRestTracking({ uri: server.url, retry: { maxRetries: 0 } });
  return { tracking, registry, root, server, close: () => server.close() };
}

export const BACKENDS: BackendKind[] = ['file store', 'SQLite store', 'REST client → server'];

/** Backends whose runs live in an mlruns folder (scenarios about meta.yaml files apply only to them). */
export const FILE_BACKENDS: BackendKind[] = ['file store', 'REST client → server'];
