import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveModelUri } from '../../src/tracking/model-uri.js';
import type { Metric, Run, TrackingStore } from '../../src/tracking/types.js';
import { rejectedMlopsError } from '../helpers/errors.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { BACKENDS, FILE_BACKENDS, openBackend, type Backend, type BackendKind } from './backends.js';

/**
 * The contract of TrackingStore and ModelRegistry, run against both implementations: the file
 * store used directly, and the REST client talking to our MLflow-compatible server (real HTTP on
 * port 0) over a file store. Every scenario returns what it saw, normalised for ids and clocks;
 * the last test checks that both implementations saw exactly the same.
 */

type SearchableTracking = TrackingStore & {
  searchExperiments(options: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string }): ReturnType<TrackingStore['searchExperiments']>;
};

/** Gives generated ids stable names, so results from two stores can be compared. */
class Ids {
  readonly names = new Map<string, string>();
  label(id: string, name: string): string {
    this.names.set(id, `<${name}>`);
    return id;
  }
}

const TIME_KEYS = new Set(['creationTime', 'lastUpdateTime', 'creationTimestamp', 'lastUpdatedTimestamp']);
const URI_KEYS = new Set(['artifactUri', 'artifactLocation', 'source']);

function normalise(value: unknown, ids: Ids, key?: string): unknown {
  if (typeof value === 'string') {
    let text = value;
    for (const [id, name] of ids.names) {
      // Long random ids can be replaced anywhere; the SQLite store's experiment ids are small
      // integers ("1"), replaced only as an experimentId value or a path segment of a URI.
      if (id.length >= 16) text = text.split(id).join(name);
      else if (key === 'experimentId' && text === id) text = name;
      else if (key !== undefined && URI_KEYS.has(key)) text = text.replace(new RegExp(`(?<=^|/|:)${id}(?=/|$)`, 'g'), name);
    }
    // file:///tmp/…/mlruns/<exp>/… on disk, mlflow-artifacts:/<exp>/… through the server and in the SQLite store: the same place.
    if (key !== undefined && URI_KEYS.has(key)) text = text.replace(/^(file:\/\/\/.*?\/mlruns|mlflow-artifacts:)\/?/, '<root>/');
    return text;
  }
  if (typeof value === 'number' && key !== undefined && TIME_KEYS.has(key)) return value > 0 ? '<time>' : value;
  if (Array.isArray(value)) return value.map((item) => normalise(item, ids));
  if (value instanceof Uint8Array) return Array.from(value);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [normalise(k, ids), normalise(v, ids, k)]));
  }
  return value;
}

/** The code, and whether the message names what was missing. */
async function codeNaming(promise: Promise<unknown>, name: string): Promise<string> {
  const { code, message } = await rejectedMlopsError(promise);
  expect(message, `the error should name ${name}`).toContain(name);
  return code;
}

const metric = (key: string, value: number, step: number, timestamp = 1_000 + step): Metric => ({ key, value, timestamp, step });

const SCENARIOS: Record<string, (backend: Backend, ids: Ids) => Promise<unknown>> = {
  async 'experiments: create, get, get by name, tags, search with filter and pages'({ tracking }, ids) {
    const searchable = tracking as SearchableTracking;
    const a = ids.label(await tracking.createExperiment('conf-a', { tags: { team: 'ml' } }), 'expA');
    ids.label(await tracking.createExperiment('conf-b'), 'expB');
    await tracking.setExperimentTag(a, 'purpose', 'conformance');
    const got = await tracking.getExperiment(a);
    expect(got).toMatchObject({ name: 'conf-a', lifecycleStage: 'active', tags: { team: 'ml', purpose: 'conformance' } });
    const byName = await tracking.getExperimentByName('conf-b');
    expect(byName?.name).toBe('conf-b');
    expect(await tracking.getExperimentByName('no-such-experiment')).toBeUndefined();
    const duplicate = await codeNaming(tracking.createExperiment('conf-a'), 'conf-a');
    expect(duplicate).toBe('ALREADY_EXISTS');
    const unknown = await codeNaming(tracking.getExperiment('999999'), '999999');
    expect(unknown).toBe('NOT_FOUND');
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await tracking.searchExperiments({ maxResults: 1, ...(token ? { pageToken: token } : {}) });
      pages.push(page.items.map((experiment) => experiment.name));
      token = page.nextPageToken;
    } while (token !== undefined);
    expect(pages.flat().sort()).toEqual(['Default', 'conf-a', 'conf-b']);
    expect(pages).toHaveLength(3);
    const filtered = await searchable.searchExperiments({ filter: "name LIKE 'conf-%' and tags.team = 'ml'", orderBy: ['name DESC'] });
    expect(filtered.items.map((experiment) => experiment.name)).toEqual(['conf-a']);
    const ordered = await searchable.searchExperiments({ filter: "name LIKE 'conf-%'", orderBy: ['name DESC'] });
    return { got, byName, duplicate, unknown, pageCount: pages.length, filtered: filtered.items, ordered: ordered.items.map((experiment) => experiment.name) };
  },

  async 'runs: create, log params, metrics (NaN too) and tags, read back, update'({ tracking }, ids) {
    const experimentId = ids.label(await tracking.createExperiment('runs'), 'exp');
    const info = await tracking.createRun({ experimentId, runName: 'first', startTime: 1_000, tags: { 'mlflow.source.type': 'LOCAL' }, userId: 'alice' });
    const runId = ids.label(info.runId, 'run');
    expect(info).toMatchObject({ runName: 'first', userId: 'alice', status: 'RUNNING', startTime: 1_000, lifecycleStage: 'active' });
    expect(info.artifactUri).toMatch(new RegExp(`/${experimentId}/${runId}/artifacts$`));
    await tracking.logBatch(runId, {
      params: { lr: '0.1', 'optimizer/name': 'adam' },
      metrics: [metric('loss', 0.9, 0), metric('loss', 0.5, 1), metric('loss', 0.7, 2, 500), metric('odd', Number.NaN, 0), metric('big', Number.POSITIVE_INFINITY, 0)],
      tags: { stage: 'train' },
    });
    await tracking.logBatch(runId, {});
    await tracking.setTag(runId, 'note', 'hello');
    await tracking.deleteTag(runId, 'note');
    const history = await tracking.getMetricHistory(runId, 'loss');
    expect(history.map((m) => m.value)).toEqual([0.9, 0.5, 0.7]);
    const finished = await tracking.updateRun(runId, { status: 'FINISHED', endTime: 2_000 });
    expect(finished).toMatchObject({ status: 'FINISHED', endTime: 2_000 });
    const renamed = await tracking.updateRun(runId, { runName: 'renamed' });
    const run = await tracking.getRun(runId);
    expect(run.info.runName).toBe('renamed');
    expect(run.data.tags['mlflow.runName']).toBe('renamed');
    expect(run.data.metrics['loss']).toEqual(metric('loss', 0.7, 2, 500));
    expect(Number.isNaN(run.data.metrics['odd']!.value)).toBe(true);
    expect(run.data.tags).not.toHaveProperty('mlops.client_request_id');
    const changedParam = await codeNaming(tracking.logBatch(runId, { params: { lr: '0.2' } }), 'lr');
    const unknownRun = await codeNaming(tracking.getRun('0123456789abcdef0123456789abcdef'), '0123456789abcdef0123456789abcdef');
    const unknownExperiment = await codeNaming(tracking.createRun({ experimentId: '123456789' }), '123456789');
    const missingTag = await codeNaming(tracking.deleteTag(runId, 'never-set'), 'never-set');
    return { info, history, finished, renamed, run: { ...run, data: { ...run.data, metrics: sortedMetrics(run) } }, changedParam, unknownRun, unknownExperiment, missingTag };
  },

  async 'runs: search with filter, order_by and page tokens'({ tracking }, ids) {
    const experimentId = ids.label(await tracking.createExperiment('search'), 'exp');
    const families = ['linear', 'mlp', 'mlp', 'mlp'];
    for (const [index, family] of families.entries()) {
      const run = await tracking.createRun({ experimentId, runName: `run-${index}`, startTime: 100 + index });
      ids.label(run.runId, `run${index}`);
      await tracking.logBatch(run.runId, { params: { family }, metrics: [metric('accuracy', 0.5 + index / 10, 0)] });
    }
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await tracking.searchRuns({
        experimentIds: [experimentId],
        filter: "metrics.accuracy > 0.55 and params.family = 'mlp'",
        orderBy: ['metrics.accuracy DESC'],
        maxResults: 2,
        ...(token ? { pageToken: token } : {}),
      });
      names.push(...page.items.map((run) => run.info.runName));
      token = page.nextPageToken;
      pages += 1;
    } while (token !== undefined);
    expect(names).toEqual(['run-3', 'run-2', 'run-1']);
    expect(pages).toBe(2);
    const newestFirst = (await tracking.searchRuns({ experimentIds: [experimentId] })).items.map((run) => run.info.runName);
    expect(newestFirst).toEqual(['run-3', 'run-2', 'run-1', 'run-0']);
    const byName = (await tracking.searchRuns({ experimentIds: [experimentId], filter: "attributes.run_name LIKE 'run-_' and attributes.start_time >= 102" })).items.map(
      (run) => run.info.runName,
    );
    const badFilter = await rejectedMlopsError(tracking.searchRuns({ experimentIds: [experimentId], filter: 'metrics.accuracy <<< 1' }));
    expect(badFilter.code).toBe('INVALID_ARGUMENT');
    return { names, pages, newestFirst, byName, badFilter: badFilter.code };
  },

  async 'runs: every filter form and order_by, the same in memory and in SQL'({ tracking }, ids) {
    const experimentId = ids.label(await tracking.createExperiment('forms'), 'exp');
    const other = ids.label(await tracking.createExperiment('forms-other'), 'exp2');
    const specs = [
      { name: 'alpha-1', user: 'ann', start: 10, acc: 0.9, family: 'mlp', stage: 'Train', status: 'FINISHED' as const, end: 50 },
      { name: 'alpha-2', user: 'bob', start: 20, acc: 0.7, family: 'MLP', stage: 'eval', status: 'FAILED' as const, end: 60 },
      { name: 'Beta_1', user: 'ann', start: 30, acc: Number.NaN, family: 'linear', stage: 'train', status: undefined, end: undefined },
      { name: 'gamma*1', user: 'cy', start: 40, acc: undefined, family: undefined, stage: undefined, status: 'KILLED' as const, end: 70 },
      { name: 'delta', user: 'bob', start: 50, acc: 0.7, family: 'lin%ear', stage: 'train', status: 'FINISHED' as const, end: 80 },
    ];
    const runIds: string[] = [];
    for (const [index, spec] of specs.entries()) {
      const run = await tracking.createRun({ experimentId, runName: spec.name, userId: spec.user, startTime: spec.start, tags: spec.stage === undefined ? {} : { stage: spec.stage } });
      runIds.push(ids.label(run.runId, `r${index}`));
      await tracking.logBatch(run.runId, {
        ...(spec.acc === undefined ? {} : { metrics: [metric('acc', spec.acc, 0)] }),
        ...(spec.family === undefined ? {} : { params: { family: spec.family } }),
      });
      if (spec.status !== undefined) await tracking.updateRun(run.runId, { status: spec.status, ...(spec.end === undefined ? {} : { endTime: spec.end }) });
    }
    // A run of another experiment, and a second metric that is not the latest-by-step one.
    await tracking.createRun({ experimentId: other, runName: 'alpha-other', startTime: 5 });
    await tracking.logBatch(runIds[0]!, { metrics: [metric('acc', 0.1, -1, 5_000)] });
    const search = async (filter: string, orderBy?: string[]): Promise<string[]> =>
      (await tracking.searchRuns({ experimentIds: [experimentId], filter, ...(orderBy ? { orderBy } : {}) })).items.map((run) => run.info.runName);
    const filters = [
      'metrics.acc = 0.7',
      'metrics.acc != 0.7',
      'metrics.acc > 0.7',
      'metrics.acc >= 0.7',
      'metrics.acc < 0.9',
      'metrics.acc <= 0.9',
      "params.family = 'mlp'",
      "params.family != 'mlp'",
      "params.family LIKE 'lin%'",
      "params.family LIKE '%!%%'",
      "params.family ILIKE 'mlp'",
      "tags.stage = 'train'",
      "tags.stage != 'train'",
      "tags.stage LIKE 'T%'",
      "tags.stage ILIKE 'T%'",
      "attributes.run_name = 'delta'",
      "attributes.run_name != 'delta'",
      "attributes.run_name LIKE 'alpha-_'",
      "attributes.run_name LIKE 'gamma*%'",
      "attributes.run_name ILIKE 'beta%'",
      "attributes.status = 'FINISHED'",
      "attributes.status != 'FINISHED'",
      "attributes.user_id = 'ann'",
      "attributes.artifact_uri LIKE '%/artifacts'",
      'attributes.start_time > 20',
      'attributes.start_time <= 20',
      'attributes.end_time < 70',
      `attributes.run_id IN ('${runIds[0]}', '${runIds[3]}')`,
      `attributes.run_id NOT IN ('${runIds[0]}', '${runIds[3]}')`,
      "metrics.acc >= 0.7 and params.family ILIKE 'mlp' and tags.stage != 'eval'",
    ];
    const found: Record<string, string[]> = {};
    for (const filter of filters) found[filter] = await search(filter);
    expect(found['metrics.acc = 0.7']).toEqual(['delta', 'alpha-2']);
    // A NaN metric satisfies only !=; a run without the metric never matches.
    expect(found['metrics.acc != 0.7']).toEqual(['Beta_1', 'alpha-1']);
    expect(found["params.family LIKE '%!%%'"]).toEqual([]);
    expect(found["params.family LIKE 'lin%'"]).toEqual(['delta', 'Beta_1']);
    expect(found["params.family ILIKE 'mlp'"]).toEqual(['alpha-2', 'alpha-1']);
    expect(found["tags.stage LIKE 'T%'"]).toEqual(['alpha-1']);
    expect(found["attributes.run_name LIKE 'gamma*%'"]).toEqual(['gamma*1']);
    expect(found['attributes.end_time < 70']).toEqual(['alpha-2', 'alpha-1']);
    expect(found[filters.at(-1)!]).toEqual(['alpha-1']);
    const orders: Record<string, string[]> = {};
    for (const orderBy of [['metrics.acc DESC'], ['metrics.acc ASC'], ['params.family ASC'], ['tags.stage DESC', 'attributes.start_time ASC'], ['attributes.run_name'], ['attributes.end_time DESC'], ['attributes.user_id', 'metrics.acc DESC']]) {
      orders[orderBy.join(', ')] = await search('', orderBy);
    }
    // Ties keep start_time DESC; NaN before missing.
    expect(orders['metrics.acc DESC']).toEqual(['alpha-1', 'delta', 'alpha-2', 'Beta_1', 'gamma*1']);
    expect(orders['attributes.end_time DESC']).toEqual(['delta', 'gamma*1', 'alpha-2', 'alpha-1', 'Beta_1']);
    const deleted = (await tracking.searchRuns({ experimentIds: [experimentId, other], filter: "attributes.run_name LIKE 'alpha%'", viewType: 'ALL' } as never)).items.map((run) => run.info.runName);
    return { found, orders, deleted };
  },

  async 'log-batch beyond MLflow per-request limits is logged in full and in order'({ tracking }, ids) {
    const experimentId = ids.label(await tracking.createExperiment('big'), 'exp');
    const runId = ids.label((await tracking.createRun({ experimentId, runName: 'big', userId: 'bob' })).runId, 'run');
    const metrics = Array.from({ length: 2_500 }, (_, step) => metric(step % 2 === 0 ? 'even' : 'odd', step / 10, step));
    const params = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p${i}`, String(i)]));
    const tags = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`t${i}`, `v${i}`]));
    await tracking.logBatch(runId, { metrics, params, tags });
    const run = await tracking.getRun(runId);
    const even = await tracking.getMetricHistory(runId, 'even');
    expect(even).toHaveLength(1_250);
    expect(even.map((m) => m.step)).toEqual(Array.from({ length: 1_250 }, (_, i) => i * 2));
    expect(Object.keys(run.data.params)).toHaveLength(150);
    expect(Object.keys(run.data.tags).filter((key) => /^t\d+$/.test(key))).toHaveLength(120);
    return { latest: sortedMetrics(run), paramCount: Object.keys(run.data.params).length, evenCount: even.length };
  },

  async 'artifacts: upload, list, download, refuse paths outside the run'({ tracking }, ids) {
    const experimentId = ids.label(await tracking.createExperiment('artifacts'), 'exp');
    const runId = ids.label((await tracking.createRun({ experimentId })).runId, 'run');
    const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
    await tracking.logArtifact(runId, 'model/MLmodel', 'artifact_path: model\n');
    await tracking.logArtifact(runId, 'model/weights.bin', binary);
    await tracking.logArtifact(runId, 'notes.txt', 'héllo');
    const root = await tracking.listArtifacts(runId);
    const model = await tracking.listArtifacts(runId, 'model');
    expect(root).toEqual([
      { path: 'model', isDir: true, fileSize: undefined },
      { path: 'notes.txt', isDir: false, fileSize: 6 },
    ]);
    expect(model.map((entry) => entry.path)).toEqual(['model/MLmodel', 'model/weights.bin']);
    expect(await tracking.listArtifacts(runId, 'missing')).toEqual([]);
    const weights = await tracking.downloadArtifact(runId, 'model/weights.bin');
    expect(Array.from(weights)).toEqual(Array.from(binary));
    const notes = new TextDecoder().decode(await tracking.downloadArtifact(runId, 'notes.txt'));
    const missing = await codeNaming(tracking.downloadArtifact(runId, 'nope.txt'), 'nope.txt');
    const escape = (await rejectedMlopsError(tracking.logArtifact(runId, '../../escape.txt', 'x'))).code;
    return { root, model, weights, notes, missing, escape };
  },

  async 'registry: models, versions, tags, descriptions, aliases and searches'({ tracking, registry }, ids) {
    const experimentId = ids.label(await tracking.createExperiment('registry'), 'exp');
    const run = await tracking.createRun({ experimentId });
    ids.label(run.runId, 'run');
    const created = await registry.createRegisteredModel('conf.model', { description: 'for the contract', tags: { task: 'iris' } });
    const duplicate = await codeNaming(registry.createRegisteredModel('conf.model'), 'conf.model');
    const versions = [];
    for (let i = 0; i < 3; i += 1) {
      versions.push(await registry.createModelVersion({ name: 'conf.model', source: `${run.artifactUri}/model`, runId: run.runId, tags: { index: String(i) } }));
    }
    expect(versions.map((version) => version.version)).toEqual(['1', '2', '3']);
    expect(versions[0]!.tags).toEqual({ index: '0' });
    await registry.updateModelVersion('conf.model', '2', { description: 'second' });
    await registry.setModelVersionTag('conf.model', '2', 'approval', 'approved');
    await registry.setModelVersionTag('conf.model', '2', 'temp', 'x');
    await registry.deleteModelVersionTag('conf.model', '2', 'temp');
    await registry.setRegisteredModelTag('conf.model', 'owner', 'team-a');
    const updatedModel = await registry.updateRegisteredModel('conf.model', { description: 'updated' });
    await registry.setAlias('conf.model', 'champion', '1');
    await registry.setAlias('conf.model', 'champion', '2');
    await registry.setAlias('conf.model', 'challenger', '3');
    const champion = await registry.getModelVersionByAlias('conf.model', 'champion');
    expect(champion).toMatchObject({ version: '2', description: 'second', tags: { index: '1', approval: 'approved' }, aliases: ['champion'] });
    const model = await registry.getRegisteredModel('conf.model');
    expect(model.aliases).toEqual({ champion: '2', challenger: '3' });
    const listed = await registry.listModelVersions('conf.model');
    expect(listed.map((version) => [version.version, version.aliases])).toEqual([
      ['3', ['challenger']],
      ['2', ['champion']],
      ['1', []],
    ]);
    await registry.deleteAlias('conf.model', 'challenger');
    const goneAlias = await codeNaming(registry.getModelVersionByAlias('conf.model', 'challenger'), 'challenger');
    const unknownVersion = await codeNaming(registry.getModelVersion('conf.model', '99'), '99');
    const unknownModel = await codeNaming(registry.getRegisteredModel('no.such.model'), 'no.such.model');
    const unknownModelVersions = await codeNaming(registry.listModelVersions('no.such.model'), 'no.such.model');
    const aliasOnUnknown = await codeNaming(registry.setAlias('conf.model', 'champion', '42'), '42');
    await registry.createRegisteredModel('conf.other');
    const searched = await registry.searchModelVersions({ filter: "name = 'conf.model' and version_number >= 2", orderBy: ['version_number ASC'] });
    const byTag = await registry.searchModelVersions({ filter: "tags.approval = 'approved'" });
    const modelPages: string[] = [];
    let token: string | undefined;
    do {
      const page = await registry.searchRegisteredModels({ maxResults: 1, ...(token ? { pageToken: token } : {}) });
      modelPages.push(...page.items.map((item) => item.name));
      token = page.nextPageToken;
    } while (token !== undefined);
    expect(modelPages).toEqual(['conf.model', 'conf.other']);
    return {
      created,
      duplicate,
      versions,
      updatedModel: updatedModel.description,
      champion,
      model,
      listed,
      goneAlias,
      unknownVersion,
      unknownModel,
      unknownModelVersions,
      aliasOnUnknown,
      searched: searched.items.map((version) => [version.version, version.description]),
      byTag: byTag.items.map((version) => version.version),
      modelPages,
    };
  },

  async 'model URIs: runs:/, models:/name/version, models:/name@alias, models:/name/latest'(backend, ids) {
    const { tracking, registry } = backend;
    const experimentId = ids.label(await tracking.createExperiment('uris'), 'exp');
    const run = await tracking.createRun({ experimentId });
    ids.label(run.runId, 'run');
    await registry.createRegisteredModel('uri.model');
    await registry.createModelVersion({ name: 'uri.model', source: `${run.artifactUri}/model`, runId: run.runId });
    await registry.createModelVersion({ name: 'uri.model', source: `${run.artifactUri}/model`, runId: run.runId });
    await registry.setAlias('uri.model', 'champion', '1');
    const resolve = async (uri: string) => {
      const location = await resolveModelUri(uri, backend);
      return { runId: location.runId, artifactPath: location.artifactPath, version: location.version?.version };
    };
    const resolved = {
      runs: await resolve(`runs:/${run.runId}/model`),
      version: await resolve('models:/uri.model/2'),
      alias: await resolve('models:/uri.model@champion'),
      latest: await resolve('models:/uri.model/latest'),
    };
    expect(resolved.alias).toEqual({ runId: run.runId, artifactPath: 'model', version: '1' });
    expect(resolved.latest.version).toBe('2');
    return { resolved, missingAlias: await codeNaming(resolveModelUri('models:/uri.model@nobody', backend), 'nobody') };
  },

  async 'a corrupt meta.yaml is reported by file name and the rest of the store keeps working'({ tracking, root, server }, ids) {
    const experimentId = ids.label(await tracking.createExperiment('corrupt'), 'exp');
    const good = ids.label((await tracking.createRun({ experimentId, runName: 'good' })).runId, 'good');
    const bad = ids.label((await tracking.createRun({ experimentId, runName: 'bad' })).runId, 'bad');
    const file = join(root, experimentId, bad, 'meta.yaml');
    await writeFile(file, 'artifact_uri: [unterminated\nstatus: 3\n');
    const error = await rejectedMlopsError(tracking.getRun(bad));
    expect(error.code).toBe('CORRUPT');
    if (server === undefined) {
      expect(error.message).toContain(file);
    } else {
      // Our server names the file within its store, never by the absolute path on its machine.
      expect(error.message).toContain(join('<tracking store>', experimentId, bad, 'meta.yaml'));
      expect(error.message).not.toContain(root);
    }
    const found = await tracking.searchRuns({ experimentIds: [experimentId] });
    expect(found.items.map((run) => run.info.runId)).toEqual([good]);
    await tracking.logBatch(good, { metrics: [metric('still', 1, 0)] });
    expect((await tracking.getRun(good)).data.metrics['still']?.value).toBe(1);
    return { code: error.code, found: found.items.map((run) => run.info.runName) };
  },
};

function sortedMetrics(run: Run): Metric[] {
  return Object.values(run.data.metrics).sort((a, b) => (a.key < b.key ? -1 : 1));
}

const results: Record<BackendKind, Record<string, unknown>> = { 'file store': {}, 'SQLite store': {}, 'REST client → server': {} };
/** Scenarios about the mlruns folder's files, which only the file-backed implementations have. */
const FILE_ONLY = new Set(['a corrupt meta.yaml is reported by file name and the rest of the store keeps working']);
const applies = (kind: BackendKind, name: string): boolean => !FILE_ONLY.has(name) || FILE_BACKENDS.includes(kind);
const tempDir = useTempDirs();

async function runScenario(kind: BackendKind, name: string): Promise<unknown> {
  const backend = await openBackend(kind, await tempDir());
  try {
    const ids = new Ids();
    return normalise(await SCENARIOS[name]!(backend, ids), ids);
  } finally {
    await backend.close();
  }
}

describe.each(BACKENDS)('TrackingStore and ModelRegistry contract: %s', (kind) => {
  for (const name of Object.keys(SCENARIOS).filter((scenario) => applies(kind, scenario))) {
    it(name, async () => {
      results[kind][name] = await runScenario(kind, name);
    });
  }
});

describe('the file store, the SQLite store and the REST client over our server', () => {
  let missing: string[] = [];
  beforeEach(() => {
    missing = Object.keys(SCENARIOS).filter((name) => BACKENDS.some((kind) => applies(kind, name) && !(name in results[kind])));
  });
  afterEach(() => {
    missing = [];
  });

  it('give the same results in every scenario', async () => {
    // When the scenarios above were filtered out, run them here.
    for (const name of missing) for (const kind of BACKENDS) if (applies(kind, name)) results[kind][name] ??= await runScenario(kind, name);
    for (const name of Object.keys(SCENARIOS)) {
      expect(results['REST client → server'][name], name).toEqual(results['file store'][name]);
      if (applies('SQLite store', name)) expect(results['SQLite store'][name], `${name} (SQLite store)`).toEqual(results['file store'][name]);
    }
  });
});
