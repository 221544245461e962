import { afterEach, describe, expect, it } from 'vitest';
import { openRestTracking } from '../../../src/tracking/rest/open-rest.js';
import { CLIENT_REQUEST_ID_TAG } from '../../../src/tracking/rest/tracking-client.js';
import { rejectedMlopsError } from '../../helpers/errors.js';
import { useOurServers } from './our-server.js';
import { readTranscript, startReplay, type Replay, type SeenRequest } from './transcript.js';

const transcript = readTranscript();
const RUN_A = '7f86155d62ba42ddbb735713d0e5737f';
const RUN_B = 'a64dcaffbae040c3936aa800478f5c5b';

function versionTagCleanup(request: SeenRequest): { status: number; body: string } | undefined {
  if (request.method === 'DELETE' && request.path === '/api/2.0/mlflow/model-versions/delete-tag' && request.body.toString().includes(CLIENT_REQUEST_ID_TAG)) return { status: 200, body: '{}' };
  return undefined;
}

const open: Replay[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((replay) => replay.close()));
});

async function replay(numbers: number[], exact: number[] = []): Promise<{ replay: Replay; registry: ReturnType<typeof openRestTracking>['registry'] }> {
  const started = await startReplay(
    numbers.map((number) => transcript.get(number)!),
    { exact, extra: versionTagCleanup },
  );
  open.push(started);
  return { replay: started, registry: openRestTracking({ uri: started.url, retry: { maxRetries: 2, baseDelayMs: 1 } }).registry };
}

describe('RestModelRegistry against the recorded MLflow 2.12.2 server', () => {
  it('creates a model and two versions, sets and reads the alias, as recorded', async () => {
    const { replay: server, registry } = await replay([43, 44, 45, 47, 48, 49, 50], [43, 47, 50]);
    const model = await registry.createRegisteredModel('rig-model', { description: 'rig model', tags: { task: 'demo' } });
    expect(model).toEqual({ name: 'rig-model', creationTimestamp: 1795723635298, lastUpdatedTimestamp: 1795723635298, description: 'rig model', tags: { task: 'demo' }, aliases: {} });
    const v1 = await registry.createModelVersion({ name: 'rig-model', source: `runs:/${RUN_A}/model`, runId: RUN_A, description: 'first', tags: { from: 'run-a' } });
    expect(v1).toEqual({
      name: 'rig-model',
      version: '1',
      creationTimestamp: 1795723635377,
      lastUpdatedTimestamp: 1795723635377,
      description: 'first',
      source: `runs:/${RUN_A}/model`,
      runId: RUN_A,
      status: 'READY',
      tags: { from: 'run-a' },
      aliases: [],
    });
    const sent = JSON.parse(server.seen[1]!.body.toString()) as { tags: Array<{ key: string }> };
    expect(sent.tags.map((tag) => tag.key)).toEqual(['from', CLIENT_REQUEST_ID_TAG]);
    const v2 = await registry.createModelVersion({ name: 'rig-model', source: `mlflow-artifacts:/1/${RUN_B}/artifacts/model`, runId: RUN_B });
    expect(v2).toMatchObject({ version: '2', description: '', tags: {} });
    await registry.setAlias('rig-model', 'champion', '1');
    expect(await registry.getModelVersionByAlias('rig-model', 'champion')).toMatchObject({ version: '1', aliases: ['champion'] });
    expect((await registry.getRegisteredModel('rig-model')).aliases).toEqual({ champion: '1' });
    await registry.setModelVersionTag('rig-model', '1', 'validated', 'true');
    // Each create was followed by the removal of its request-id tag (answered outside the recording).
    expect(server.seen.filter((request) => request.path.endsWith('/model-versions/delete-tag'))).toHaveLength(2);
    expect(server.problems()).toEqual([]);
  });

  it('reads, updates and searches versions and models, and deletes the alias, as recorded', async () => {
    const { replay: server, registry } = await replay([54, 56, 57, 58, 59, 60, 61, 62], [56, 57, 58]);
    expect(await registry.getModelVersion('rig-model', '1')).toMatchObject({ version: '1', tags: { from: 'run-a', validated: 'true' }, aliases: ['champion'] });
    expect((await registry.updateModelVersion('rig-model', '1', { description: 'first, updated' })).description).toBe('first, updated');
    const updated = await registry.updateRegisteredModel('rig-model', { description: 'rig model, updated' });
    expect(updated).toMatchObject({ description: 'rig model, updated', aliases: { champion: '1' } });
    await registry.deleteAlias('rig-model', 'champion');
    const gone = await rejectedMlopsError(registry.getModelVersionByAlias('rig-model', 'champion'));
    // MLflow 2.12 answers an unset alias with 400 INVALID_PARAMETER_VALUE; the client reports NOT_FOUND, naming the alias.
    expect(gone.code).toBe('NOT_FOUND');
    expect(gone.message).toContain('champion');
    const all = await registry.searchModelVersions({ filter: "name='rig-model'" });
    expect(all.items.map((version) => version.version)).toEqual(['1', '2']);
    const filtered = await registry.searchModelVersions({ filter: `name='rig-model' and run_id='${RUN_A}'`, orderBy: ['version_number DESC'], maxResults: 10 });
    expect(filtered.items.map((version) => version.version)).toEqual(['1']);
    const models = await registry.searchRegisteredModels({ filter: "name LIKE 'rig-%'", maxResults: 5 });
    expect(models.items.map((model) => [model.name, model.tags])).toEqual([['rig-model', { task: 'demo' }]]);
    expect(server.problems()).toEqual([]);
  });

  it('lists all versions of a model, newest first, with their aliases', async () => {
    const { replay: server, registry } = await replay([49, 60]);
    const versions = await registry.listModelVersions('rig-model');
    expect(versions.map((version) => [version.version, version.aliases])).toEqual([
      ['2', []],
      ['1', ['champion']],
    ]);
    expect(server.problems()).toEqual([]);
  });

  it("turns the recorded error answers into typed errors that name what is missing", async () => {
    const { replay: server, registry } = await replay([73, 74, 75, 76]);
    expect(await rejectedMlopsError(registry.createRegisteredModel('rig-model'))).toMatchObject({ code: 'ALREADY_EXISTS', serverCode: 'RESOURCE_ALREADY_EXISTS' });
    const unknownModel = await rejectedMlopsError(registry.getRegisteredModel('no-such-model'));
    expect(unknownModel).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect(unknownModel.message).toContain('no-such-model');
    const unknownVersion = await rejectedMlopsError(registry.getModelVersion('rig-model', '99'));
    expect(unknownVersion).toMatchObject({ code: 'NOT_FOUND' });
    expect(unknownVersion.message).toContain('version=99');
    expect(await rejectedMlopsError(registry.setAlias('rig-model', 'champion', '99'))).toMatchObject({ code: 'NOT_FOUND', serverCode: 'RESOURCE_DOES_NOT_EXIST' });
    expect(server.problems()).toEqual([]);
  });
});

describe('RestModelRegistry against our server', () => {
  const ours = useOurServers();

  it('never creates a second model version when the response to model-versions/create is lost', async () => {
    const { server, proxy } = await ours.startBehindProxy(({ path, count }) => (path === '/api/2.0/mlflow/model-versions/create' && count === 0 ? { kind: 'drop-response' } : undefined));
    const { registry } = openRestTracking({ uri: proxy.url, retry: { baseDelayMs: 5 } });
    await registry.createRegisteredModel('dedupe');
    const version = await registry.createModelVersion({ name: 'dedupe', source: 'mlflow-artifacts:/0/run/artifacts/model', tags: { kept: 'yes' } });
    expect(version).toMatchObject({ version: '1', tags: { kept: 'yes' } });
    const versions = await server.registry.listModelVersions('dedupe');
    expect(versions.map((item) => [item.version, item.tags])).toEqual([['1', { kept: 'yes' }]]);
    expect(proxy.log.filter((line) => line.endsWith('/model-versions/create'))).toHaveLength(1);
  });

  it('returns the registered model a lost create made instead of failing with ALREADY_EXISTS', async () => {
    const { server, proxy } = await ours.startBehindProxy(({ path, count }) => (path === '/api/2.0/mlflow/registered-models/create' && count === 0 ? { kind: 'drop-response' } : undefined));
    const { registry } = openRestTracking({ uri: proxy.url, retry: { baseDelayMs: 5 } });
    const model = await registry.createRegisteredModel('once', { description: 'made once' });
    expect(model).toMatchObject({ name: 'once', description: 'made once' });
    expect(proxy.log.filter((line) => line.endsWith('/registered-models/create'))).toHaveLength(1);
  });
});
