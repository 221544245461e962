import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRestTracking } from '../../../src/tracking/rest/open-rest.js';
import { CLIENT_REQUEST_ID_TAG } from '../../../src/tracking/rest/tracking-client.js';
import { rejectedMlopsError } from '../../helpers/errors.js';
import { useOurServers } from './our-server.js';
import { readTranscript, startReplay, type Replay, type SeenRequest } from './transcript.js';

const transcript = readTranscript();
const RUN_A = '7f86155d62ba42ddbb735713d0e5737f';
const RUN_B = 'a64dcaffbae040c3936aa800478f5c5b';
const exchanges = (...numbers: number[]) => numbers.map((number) => transcript.get(number)!);

/** Our client removes its request-id tag after a create; the recording has no such call, so it is answered here. */
function requestIdTagCleanup(request: SeenRequest): { status: number; body: string } | undefined {
  if (request.method === 'POST' && request.path === '/api/2.0/mlflow/runs/delete-tag' && request.body.toString().includes(CLIENT_REQUEST_ID_TAG)) return { status: 200, body: '{}' };
  return undefined;
}

const open: Replay[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((replay) => replay.close()));
});

async function replay(numbers: number[], exact: number[] = []): Promise<{ replay: Replay; client: ReturnType<typeof openRestTracking> }> {
  const started = await startReplay(exchanges(...numbers), { exact, extra: requestIdTagCleanup });
  open.push(started);
  return { replay: started, client: openRestTracking({ uri: started.url, retry: { maxRetries: 2, baseDelayMs: 1 } }) };
}

describe('RestTrackingStore against the recorded MLflow 2.12.2 server', () => {
  it('creates, reads and searches experiments with the recorded requests', async () => {
    const { replay: server, client } = await replay([3, 4, 5, 6, 7], [3, 6, 7]);
    const { tracking } = client;
    expect(await tracking.createExperiment('rig-demo', { tags: { team: 'ts-client' } })).toBe('1');
    const byName = await tracking.getExperimentByName('rig-demo');
    expect(byName).toEqual({
      experimentId: '1',
      name: 'rig-demo',
      artifactLocation: 'mlflow-artifacts:/1',
      lifecycleStage: 'active',
      creationTime: 1795723632271,
      lastUpdateTime: 1795723632271,
      tags: { team: 'ts-client' },
    });
    expect(await tracking.getExperiment('1')).toEqual(byName);
    await tracking.setExperimentTag('1', 'purpose', 'rest rig');
    const found = await tracking.searchExperiments({ maxResults: 10, filter: "name LIKE 'rig-%'", orderBy: ['creation_time DESC'] });
    expect(found.items.map((experiment) => experiment.tags)).toEqual([{ team: 'ts-client', purpose: 'rest rig' }]);
    expect(found.nextPageToken).toBeUndefined();
    expect(server.problems()).toEqual([]);
  });

  it('creates runs, logs a batch, tags, updates and reads them back as recorded', async () => {
    const { replay: server, client } = await replay([8, 9, 14, 15, 17, 18, 19, 20, 21, 22, 23], [9, 14, 15, 18, 22]);
    const { tracking } = client;
    const runA = await tracking.createRun({ experimentId: '1', runName: 'run-a', startTime: 1795723632626, tags: { 'mlflow.user': 'rig' } });
    expect(runA).toEqual({
      runId: RUN_A,
      runName: 'run-a',
      experimentId: '1',
      userId: '',
      status: 'RUNNING',
      startTime: 1795723632626,
      endTime: undefined,
      artifactUri: `mlflow-artifacts:/1/${RUN_A}/artifacts`,
      lifecycleStage: 'active',
    });
    // What we sent: the recorded fields, plus the user MLflow's client sends and our request id, which we then removed.
    const create = JSON.parse(server.seen[0]!.body.toString()) as { user_id: string; tags: Array<{ key: string; value: string }> };
    expect(create.user_id).toBe('rig');
    const requestId = create.tags.find((tag) => tag.key === CLIENT_REQUEST_ID_TAG)?.value;
    expect(requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(server.seen[1]!.body.toString())).toEqual({ run_id: RUN_A, key: CLIENT_REQUEST_ID_TAG });

    await tracking.logBatch(RUN_A, {
      metrics: [
        { key: 'loss', value: 0.42, timestamp: 1795723632626, step: 0 },
        { key: 'rmse', value: 1.5, timestamp: 1795723632626, step: 0 },
      ],
      params: { lr: '0.01', optimizer: 'adam' },
      tags: { stage: 'dev', 'mlflow.note.content': 'created by the rig' },
    });
    expect((await tracking.getMetricHistory(RUN_A, 'acc')).map((metric) => [metric.value, metric.step])).toEqual([
      [0.7, 1],
      [0.8, 2],
      [0.9, 3],
    ]);
    const [weird] = await tracking.getMetricHistory(RUN_A, 'weird');
    expect(Number.isNaN(weird!.value)).toBe(true);
    await tracking.setTag(RUN_A, 'owner', 'rig');
    await tracking.deleteTag(RUN_A, 'owner');
    const finished = await tracking.updateRun(RUN_A, { status: 'FINISHED', endTime: 1795723637626 });
    expect(finished).toMatchObject({ status: 'FINISHED', endTime: 1795723637626, runName: 'run-a' });

    const run = await tracking.getRun(RUN_A);
    expect(run.data.params).toEqual({ lr: '0.01', optimizer: 'adam', epochs: '3' });
    expect(run.data.tags).toEqual({ 'mlflow.user': 'rig', 'mlflow.runName': 'run-a', stage: 'dev', 'mlflow.note.content': 'created by the rig' });
    expect(run.data.metrics['acc']).toEqual({ key: 'acc', value: 0.9, timestamp: 1795723635626, step: 3 });
    expect(Number.isNaN(run.data.metrics['weird']!.value)).toBe(true);

    const runB = await tracking.createRun({ experimentId: '1', runName: 'run-b', startTime: 1795723633812 });
    expect(runB.runId).toBe(RUN_B);
    await tracking.logBatch(RUN_B, { metrics: [{ key: 'loss', value: 0.9, timestamp: 1795723633812, step: 0 }], params: { lr: '0.1' } });
    await tracking.updateRun(RUN_B, { status: 'FINISHED', endTime: 1795723634812 });
    expect(server.problems()).toEqual([]);
  });

  it('searches runs with a filter, order_by and page tokens as recorded', async () => {
    const { replay: server, client } = await replay([24, 25, 26], [24, 25, 26]);
    const { tracking } = client;
    const filtered = await tracking.searchRuns({ experimentIds: ['1'], filter: "metrics.loss < 1 and params.lr = '0.01'", viewType: 'ACTIVE_ONLY', maxResults: 10, orderBy: ['metrics.loss ASC'] });
    expect(filtered.items.map((run) => run.info.runId)).toEqual([RUN_A]);
    const first = await tracking.searchRuns({ experimentIds: ['1'], filter: "attributes.status = 'FINISHED'", maxResults: 1, orderBy: ['metrics.loss DESC'] });
    expect(first.items.map((run) => run.info.runName)).toEqual(['run-b']);
    expect(first.nextPageToken).toBe('eyJvZmZzZXQiOiAxfQ==');
    const second = await tracking.searchRuns({ experimentIds: ['1'], filter: "attributes.status = 'FINISHED'", maxResults: 1, orderBy: ['metrics.loss DESC'], pageToken: first.nextPageToken! });
    expect(second.items.map((run) => run.info.runName)).toEqual(['run-a']);
    expect(server.problems()).toEqual([]);
  });

  it('uploads, lists and downloads artifacts through the proxy as recorded, and reports a missing one as NOT_FOUND without retrying', async () => {
    const { replay: server, client } = await replay([20, 27, 28, 29, 30, 31, 83]);
    const { tracking } = client;
    await tracking.logArtifact(RUN_A, 'notes.txt', 'hello from the rig\nline 2');
    await tracking.logArtifact(RUN_A, 'model/MLmodel', 'artifact_path: model\nflavors: {}\n');
    expect(await tracking.listArtifacts(RUN_A)).toEqual([
      { path: 'model', isDir: true, fileSize: undefined },
      { path: 'notes.txt', isDir: false, fileSize: 25 },
    ]);
    expect(await tracking.listArtifacts(RUN_A, 'model')).toEqual([{ path: 'model/MLmodel', isDir: false, fileSize: 33 }]);
    expect(new TextDecoder().decode(await tracking.downloadArtifact(RUN_A, 'notes.txt'))).toBe('hello from the rig\nline 2');
    const missing = await rejectedMlopsError(tracking.downloadArtifact(RUN_A, 'missing.txt'));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('missing.txt');
    // One getRun for the artifact root, then exactly one request per call: the 500 was not retried.
    expect(server.seen.map((request) => `${request.method} ${request.path.replace(/\/artifacts\/.*$/, '/artifacts/…')}`)).toEqual([
      'GET /api/2.0/mlflow/runs/get',
      'PUT /api/2.0/mlflow-artifacts/artifacts/…',
      'PUT /api/2.0/mlflow-artifacts/artifacts/…',
      'GET /api/2.0/mlflow-artifacts/artifacts',
      'GET /api/2.0/mlflow-artifacts/artifacts',
      'GET /api/2.0/mlflow-artifacts/artifacts/…',
      'GET /api/2.0/mlflow-artifacts/artifacts/…',
    ]);
    expect(server.problems()).toEqual([]);
  });

  it('notices when a request differs from the recorded one', async () => {
    const { replay: server, client } = await replay([6], [6]);
    await client.tracking.setExperimentTag('1', 'purpose', 'something else');
    expect(server.problems().join()).toMatch(/#6: body .* does not equal the recorded/);
  });

  it("turns the recorded error answers into typed errors with MLflow's error_code", async () => {
    const { replay: server, client } = await replay([63, 64, 65, 70, 71, 72], [65, 72]);
    const { tracking } = client;
    const unknownExperiment = await rejectedMlopsError(tracking.getExperiment('999999'));
    expect(unknownExperiment).toMatchObject({ code: 'NOT_FOUND', status: 404, serverCode: 'RESOURCE_DOES_NOT_EXIST' });
    expect(unknownExperiment.message).toContain('No Experiment with id=999999 exists');
    expect(await tracking.getExperimentByName('no-such-experiment')).toBeUndefined();
    expect(await rejectedMlopsError(tracking.createExperiment('rig-demo'))).toMatchObject({ code: 'ALREADY_EXISTS', serverCode: 'RESOURCE_ALREADY_EXISTS' });
    const unknownRun = await rejectedMlopsError(tracking.getRun('00000000000000000000000000000000'));
    expect(unknownRun).toMatchObject({ code: 'NOT_FOUND' });
    expect(unknownRun.message).toContain('00000000000000000000000000000000');
    expect(await rejectedMlopsError(tracking.createRun({ experimentId: '999999' }))).toMatchObject({ code: 'NOT_FOUND', serverCode: 'RESOURCE_DOES_NOT_EXIST' });
    const badFilter = await rejectedMlopsError(tracking.searchRuns({ experimentIds: ['1'], filter: 'metrics.loss <<< 1' }));
    expect(badFilter).toMatchObject({ code: 'INVALID_ARGUMENT', serverCode: 'INVALID_PARAMETER_VALUE' });
    expect(server.problems()).toEqual([]);
  });
});

describe('RestTrackingStore against our server', () => {
  const ours = useOurServers();

  it('logs 10,000 metrics, a param and a tag in 11 log-batch requests of at most 1000 entities, not one per metric', async () => {
    const { server } = await ours.start();
    const { tracking, http } = openRestTracking({ uri: server.url });
    const experimentId = await tracking.createExperiment('batching');
    const { runId } = await tracking.createRun({ experimentId });
    const before = http.requestCount;
    const metrics = Array.from({ length: 10_000 }, (_, step) => ({ key: `m${step % 4}`, value: step, timestamp: 1_000 + step, step }));
    await tracking.logBatch(runId, { metrics, params: { a: '1' }, tags: { b: '2' } });
    expect(http.requestCount - before).toBe(11);
    expect(await tracking.getMetricHistory(runId, 'm3')).toHaveLength(2_500);
  });

  it('never creates a second run when the response to runs/create is lost and the call is retried', async () => {
    const { server, proxy } = await ours.startBehindProxy(({ path, count }) => (path === '/api/2.0/mlflow/runs/create' && count === 0 ? { kind: 'drop-response' } : undefined));
    const { tracking } = openRestTracking({ uri: proxy.url, retry: { baseDelayMs: 5 } });
    const experimentId = await server.tracking.createExperiment('dedupe');
    const created = await tracking.createRun({ experimentId, runName: 'only-once' });
    const runs = await server.tracking.searchRuns({ experimentIds: [experimentId] });
    expect(runs.items.map((run) => run.info.runId)).toEqual([created.runId]);
    expect(runs.items[0]!.data.tags).not.toHaveProperty(CLIENT_REQUEST_ID_TAG);
    // The lost create, the search that found its run, the tag cleanup; never a second create.
    expect(proxy.log.filter((line) => line.endsWith('/runs/create'))).toHaveLength(1);
    expect(proxy.log).toContain('POST /api/2.0/mlflow/runs/search');
  });

  it('creates the run again when the first attempt was refused before the server acted (503)', async () => {
    const { server, proxy } = await ours.startBehindProxy(({ path, count }) => (path === '/api/2.0/mlflow/runs/create' && count === 0 ? { kind: 'refuse', status: 503 } : undefined));
    const { tracking } = openRestTracking({ uri: proxy.url, retry: { baseDelayMs: 5 } });
    const experimentId = await server.tracking.createExperiment('refused');
    const created = await tracking.createRun({ experimentId });
    expect((await server.tracking.searchRuns({ experimentIds: [experimentId] })).items.map((run) => run.info.runId)).toEqual([created.runId]);
    // A refusal means nothing was done: no look-up, just the create again.
    expect(proxy.log.filter((line) => line.endsWith('/runs/create'))).toHaveLength(2);
    expect(proxy.log).not.toContain('POST /api/2.0/mlflow/runs/search');
  });

  it('finds the run a 502-answered create made and returns it instead of creating another', async () => {
    const { server, proxy } = await ours.startBehindProxy(({ path, count }) => (path === '/api/2.0/mlflow/runs/create' && count === 0 ? { kind: 'replace-response', status: 502 } : undefined));
    const { tracking } = openRestTracking({ uri: proxy.url, retry: { baseDelayMs: 5 } });
    const experimentId = await server.tracking.createExperiment('bad-gateway');
    const created = await tracking.createRun({ experimentId, runName: 'kept' });
    const runs = (await server.tracking.searchRuns({ experimentIds: [experimentId] })).items;
    expect(runs.map((run) => [run.info.runId, run.info.runName])).toEqual([[created.runId, 'kept']]);
  });

  it('uploads artifacts of runs with a mlflow-artifacts:/ root through the proxy into the artifacts destination', async () => {
    const { dir, server } = await ours.start();
    const { tracking } = openRestTracking({ uri: server.url });
    const experimentId = await tracking.createExperiment('proxied');
    const run = await tracking.createRun({ experimentId });
    expect(run.artifactUri).toBe(`mlflow-artifacts:/${experimentId}/${run.runId}/artifacts`);
    await tracking.logArtifact(run.runId, 'model/MLmodel', 'flavors: {}\n');
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(dir, 'mlartifacts', experimentId, run.runId, 'artifacts', 'model', 'MLmodel'), 'utf8')).toBe('flavors: {}\n');
  });
});
