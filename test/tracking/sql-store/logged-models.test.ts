import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRestTracking } from '../../../src/tracking/rest/open-rest.js';
import { resolveModelUri, downloadModelFile } from '../../../src/tracking/model-uri.js';
import { startTrackingServer } from '../../../src/tracking/server/server.js';
import { SqliteConnection } from '../../../src/tracking/sql-store/connection.js';
import { SqlModelRegistry } from '../../../src/tracking/sql-store/registry-sql-store.js';
import { SqlTrackingStore } from '../../../src/tracking/sql-store/tracking-sql-store.js';
import type { LoggedModelStore, ModelRegistry, TrackingStore } from '../../../src/tracking/types.js';
import { rejectedMlopsError } from '../../helpers/errors.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

interface Stores {
  tracking: TrackingStore;
  registry: ModelRegistry;
  close(): Promise<void>;
}

async function sqliteStores(dir: string): Promise<Stores> {
  const database = join(dir, 'mlflow.db');
  const connection = new SqliteConnection(database);
  const tracking = new SqlTrackingStore({ connection, uri: `sqlite:///${database}`, artifactsDestination: join(dir, 'mlartifacts') });
  return { tracking, registry: new SqlModelRegistry({ connection }), close: async () => connection.close() };
}

async function restStores(dir: string): Promise<Stores> {
  const server = await startTrackingServer({ root: `sqlite:///${join(dir, 'mlflow.db')}` });
  const { tracking, registry } = openRestTracking({ uri: server.url, retry: { maxRetries: 0 } });
  return { tracking, registry, close: () => server.close() };
}

/** What both ways see: the SQLite store in-process, and our REST client through our server over it. */
async function scenario(stores: Stores): Promise<unknown> {
  const { tracking, registry } = stores;
  const logged = (await tracking.loggedModels?.()) as LoggedModelStore;
  expect(logged).toBeDefined();
  const experimentId = await tracking.createExperiment('models');
  const run = await tracking.createRun({ experimentId, runName: 'train' });
  const created = [];
  for (const [index, accuracy] of [0.8, 0.95, 0.9].entries()) {
    const model = await logged.createLoggedModel({ experimentId, name: `model-${index}`, sourceRunId: run.runId, modelType: 'tfjs', params: { units: String(8 * (index + 1)) }, tags: { family: index === 0 ? 'linear' : 'mlp' } });
    expect(model).toMatchObject({ status: 'PENDING', sourceRunId: run.runId, artifactLocation: `mlflow-artifacts:/${experimentId}/models/${model.modelId}/artifacts` });
    expect(model.modelId).toMatch(/^m-[0-9a-f]{32}$/);
    await logged.logLoggedModelArtifact(model.modelId, 'MLmodel', `artifact_path: model-${index}\n`);
    await logged.logLoggedModelArtifact(model.modelId, 'weights/w.bin', Uint8Array.of(index, 1, 2));
    await logged.logLoggedModelMetrics(model.modelId, [{ key: 'accuracy', value: accuracy, timestamp: 1_000, step: 0 }], { runId: run.runId });
    created.push(await logged.finalizeLoggedModel(model.modelId, 'READY'));
  }
  await logged.setLoggedModelTags(created[2]!.modelId, { reviewed: 'yes' });
  const got = await logged.getLoggedModel(created[2]!.modelId);
  expect(got).toMatchObject({ status: 'READY', params: { units: '24' }, tags: { family: 'mlp', reviewed: 'yes' } });
  expect(got.metrics.map((metric) => [metric.key, metric.value, metric.runId])).toEqual([['accuracy', 0.9, run.runId]]);

  const names = async (filter?: string, orderBy?: Array<{ fieldName: string; ascending?: boolean }>) =>
    (await logged.searchLoggedModels({ experimentIds: [experimentId], ...(filter ? { filter } : {}), ...(orderBy ? { orderBy } : {}) })).items.map((model) => model.name);
  const search = {
    byAccuracy: await names("metrics.accuracy >= 0.9 AND tags.family = 'mlp'", [{ fieldName: 'metrics.accuracy', ascending: false }]),
    byParam: await names("params.units = '8'"),
    byName: await names("name LIKE 'model-%'", [{ fieldName: 'name', ascending: true }]),
    ready: await names("status = 'READY' AND source_run_id = '" + run.runId + "'", [{ fieldName: 'name', ascending: false }]),
  };
  expect(search.byAccuracy).toEqual(['model-1', 'model-2']);
  expect(search.byParam).toEqual(['model-0']);
  expect(search.byName).toEqual(['model-0', 'model-1', 'model-2']);
  const pages: string[][] = [];
  let pageToken: string | undefined;
  do {
    const page = await logged.searchLoggedModels({ experimentIds: [experimentId], orderBy: [{ fieldName: 'name' }], maxResults: 2, ...(pageToken ? { pageToken } : {}) });
    pages.push(page.items.map((model) => model.name));
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  expect(pages).toEqual([['model-0', 'model-1'], ['model-2']]);
  const badFilter = (await rejectedMlopsError(logged.searchLoggedModels({ experimentIds: [experimentId], filter: 'metrics.accuracy > high' }))).code;

  // Registering the logged model: source models:/m-<id>, model_id set; the URI resolves everywhere a model URI does.
  const best = created[1]!;
  await registry.createRegisteredModel('lm.model');
  const version = await registry.createModelVersion({ name: 'lm.model', source: `models:/${best.modelId}`, runId: run.runId, modelId: best.modelId });
  expect(version).toMatchObject({ version: '1', source: `models:/${best.modelId}`, modelId: best.modelId });
  await registry.setAlias('lm.model', 'champion', '1');
  const files: Record<string, string> = {};
  for (const [label, uri] of [['models:/m-<id>', `models:/${best.modelId}`], ['models:/lm.model/1', 'models:/lm.model/1'], ['models:/lm.model@champion', 'models:/lm.model@champion']] as const) {
    const location = await resolveModelUri(uri, { tracking, registry });
    expect(location.modelId, uri).toBe(best.modelId);
    files[label] = new TextDecoder().decode(await downloadModelFile(location, tracking, 'MLmodel'));
  }
  const listed = await logged.listLoggedModelArtifacts(best.modelId);
  const missing = (await rejectedMlopsError(logged.getLoggedModel('m-0123456789abcdef0123456789abcdef'))).code;
  return { search, pages, badFilter, files, listed, missing, version: { version: version.version, aliases: (await registry.getModelVersion('lm.model', '1')).aliases } };
}

describe('MLflow 3 logged models', () => {
  it('in the SQLite store and through our REST client and server over it: the same answers', async () => {
    const results = [];
    for (const open of [sqliteStores, restStores]) {
      const stores = await open(await tempDir());
      try {
        results.push(await scenario(stores));
      } finally {
        await stores.close();
      }
    }
    expect(results[0]).toMatchObject({
      files: {
        'models:/m-<id>': 'artifact_path: model-1\n',
        'models:/lm.model/1': 'artifact_path: model-1\n',
        'models:/lm.model@champion': 'artifact_path: model-1\n',
      },
      listed: [
        { path: 'MLmodel', isDir: false, fileSize: 23 },
        { path: 'weights', isDir: true, fileSize: undefined },
      ],
      badFilter: 'INVALID_ARGUMENT',
      missing: 'NOT_FOUND',
    });
    expect(results[1]).toEqual(results[0]);
  });

  it('the REST client finds no logged models on a server over a file store (an MLflow 2.x server)', async () => {
    const dir = await tempDir();
    const server = await startTrackingServer({ root: join(dir, 'mlruns') });
    try {
      const { tracking } = openRestTracking({ uri: server.url, retry: { maxRetries: 0 } });
      expect(await tracking.loggedModels?.()).toBeUndefined();
      const error = await rejectedMlopsError(resolveModelUri('models:/m-0123456789abcdef0123456789abcdef', { tracking, registry: openRestTracking({ uri: server.url }).registry }));
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toContain('no logged models');
    } finally {
      await server.close();
    }
  });
});
