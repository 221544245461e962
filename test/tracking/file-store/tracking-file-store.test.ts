import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MlopsError } from '../../../src/errors.js';
import { FileTrackingStore } from '../../../src/tracking/file-store/tracking-file-store.js';
import type { Metric } from '../../../src/tracking/types.js';
import { rejectedMlopsError } from '../../helpers/errors.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { copyFixture, DIRECT, FIXTURE_ROOT, listFiles, metaKeys, SERVER } from './fixture-helpers.js';

const tempDir = useTempDirs();

async function tempRoot(): Promise<string> {
  return join(await tempDir(), 'mlruns');
}

function counterClock(start = 1_800_000_000_000): () => number {
  let time = start;
  return () => (time += 1);
}

// What the fixture README documents for each run (final values are the step-4 lines).
const EXPECTED_RUNS = {
  'linear-softmax': {
    params: { learning_rate: '0.3', epochs: '5', hidden_units: '0', seed: '42' },
    metrics: { accuracy: 0.8866666666666667, f1_macro: 0.8858770858770858, loss: 0.2953757743957168 },
    tags: { dataset: 'iris', model_family: 'numpy-softmax', 'mlflow.note.content': 'Fixture run linear-softmax: numpy softmax classifier on Iris.' },
  },
  'mlp-h8': {
    params: { learning_rate: '0.5', epochs: '5', hidden_units: '8', seed: '7' },
    metrics: { accuracy: 0.9666666666666667, f1_macro: 0.9665831244778612, loss: 0.14445071897228345 },
    tags: { dataset: 'iris', model_family: 'numpy-mlp', 'mlflow.note.content': 'Fixture run mlp-h8: numpy softmax classifier on Iris.' },
  },
} as const;

describe.each([
  ['direct', DIRECT],
  ['server', SERVER],
] as const)('reading the MLflow 2.12.2 %s tree', (variant, ids) => {
  let base: string;
  let store: FileTrackingStore;
  beforeEach(async () => {
    base = await copyFixture(variant, await tempDir());
    store = new FileTrackingStore({ root: join(base, 'mlruns'), artifactsDestination: join(base, 'mlartifacts') });
  });

  it('finds both experiments with their tags', async () => {
    const page = await store.searchExperiments();
    expect(page.items.map((e) => e.name).sort()).toEqual(['Default', 'iris-demo']);
    const experiment = await store.getExperimentByName('iris-demo');
    expect(experiment).toMatchObject({ experimentId: ids.experimentId, lifecycleStage: 'active', tags: { owner: 'fixtures', project: 'iris' } });
    expect(experiment?.artifactLocation).toBe(variant === 'server' ? `mlflow-artifacts:/${ids.experimentId}` : pathToFileURL(join(base, 'mlruns', ids.experimentId)).href);
    expect((await store.getExperiment('0')).name).toBe('Default');
    expect(await store.getExperimentByName('no-such-experiment')).toBeUndefined();
  });

  it('reads both runs with every param, latest metric and tag', async () => {
    const { items, nextPageToken } = await store.searchRuns({ experimentIds: [ids.experimentId] });
    expect(nextPageToken).toBeUndefined();
    // Default order is start_time DESC: the second run comes first.
    expect(items.map((run) => run.info.runName)).toEqual(['mlp-h8', 'linear-softmax']);
    for (const run of items) {
      const expected = EXPECTED_RUNS[run.info.runName as keyof typeof EXPECTED_RUNS];
      expect(run.info).toMatchObject({ experimentId: ids.experimentId, status: 'FINISHED', userId: 'root', lifecycleStage: 'active' });
      expect(run.info.endTime).toBeGreaterThan(run.info.startTime);
      expect(run.data.params).toEqual(expected.params);
      expect(Object.fromEntries(Object.entries(run.data.metrics).map(([key, metric]) => [key, metric.value]))).toEqual(expected.metrics);
      expect(Object.values(run.data.metrics).every((metric) => metric.step === 4)).toBe(true);
      expect(run.data.tags).toMatchObject({
        ...expected.tags,
        'mlflow.runName': run.info.runName,
        'mlflow.user': 'root',
        'mlflow.source.name': 'produce_filestore_sample.py',
        'mlflow.source.type': 'LOCAL',
      });
      expect(JSON.parse(run.data.tags['mlflow.log-model.history']!)[0]).toMatchObject({ run_id: run.info.runId, artifact_path: 'model' });
      expect(Object.keys(run.data.tags)).toHaveLength(8);
    }
    const mlp = await store.getRun(ids.mlpRun);
    expect(mlp.info.artifactUri).toMatch(new RegExp(`${ids.experimentId}/${ids.mlpRun}/artifacts$`));
  });

  it('returns the metric history in logged order', async () => {
    const history = await store.getMetricHistory(ids.mlpRun, 'accuracy');
    expect(history.map((metric) => metric.step)).toEqual([0, 1, 2, 3, 4]);
    expect(history.map((metric) => metric.value)).toEqual([0.82, 0.8533333333333334, 0.94, 0.9533333333333334, 0.9666666666666667]);
    expect(history.every((metric, index) => index === 0 || metric.timestamp >= history[index - 1]!.timestamp)).toBe(true);
    expect(await store.getMetricHistory(ids.mlpRun, 'never_logged')).toEqual([]);
  });

  it('filters and orders runs with MLflow search syntax', async () => {
    const search = async (filter: string, orderBy?: string[]) =>
      (await store.searchRuns({ experimentIds: [ids.experimentId], filter, ...(orderBy ? { orderBy } : {}) })).items.map((run) => run.info.runName);
    expect(await search('metrics.accuracy > 0.9')).toEqual(['mlp-h8']);
    expect(await search("params.hidden_units = '0'")).toEqual(['linear-softmax']);
    expect(await search("tags.dataset = 'iris' and attributes.status = 'FINISHED'", ['metrics.loss DESC'])).toEqual(['linear-softmax', 'mlp-h8']);
    expect(await search('', ['attributes.start_time ASC'])).toEqual(['linear-softmax', 'mlp-h8']);
  });

  it('lists and downloads the run artifacts', async () => {
    const artifactsBase =
      variant === 'direct' ? join(base, 'mlruns', ids.experimentId, ids.mlpRun, 'artifacts') : join(base, 'mlartifacts', ids.experimentId, ids.mlpRun, 'artifacts');
    expect(await store.listArtifacts(ids.mlpRun)).toEqual([
      { path: 'model', isDir: true, fileSize: undefined },
      { path: 'notes', isDir: true, fileSize: undefined },
    ]);
    const model = await store.listArtifacts(ids.mlpRun, 'model');
    expect(model.map((entry) => entry.path)).toEqual([
      'model/MLmodel',
      'model/conda.yaml',
      'model/input_example.json',
      'model/metadata',
      'model/python_env.yaml',
      'model/python_model.pkl',
      'model/requirements.txt',
    ]);
    expect(model.find((entry) => entry.path === 'model/python_model.pkl')?.fileSize).toBe(4080);
    const summary = await store.downloadArtifact(ids.mlpRun, 'notes/summary.txt');
    expect(Buffer.from(summary).toString('utf8')).toBe(await readFile(join(artifactsBase, 'notes/summary.txt'), 'utf8'));
  });

  it('changes nothing MLflow wrote when only reading', async () => {
    const before = await snapshot(join(base, 'mlruns'));
    await store.searchRuns({ experimentIds: [ids.experimentId] });
    await store.getExperimentByName('iris-demo');
    const after = await snapshot(join(base, 'mlruns'));
    expect(after).toEqual(before);
    // MLflow's own FileStore also creates the trash folder when it opens the store.
    expect((await stat(join(base, 'mlruns', '.trash'))).isDirectory()).toBe(true);
  });
});

async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const file of await listFiles(dir)) result[file] = await readFile(file, 'utf8');
  return result;
}

describe('writing in MLflow\'s layout', () => {
  const fixtureRun = join(FIXTURE_ROOT, 'direct/mlruns', DIRECT.experimentId, DIRECT.mlpRun);

  it('writes experiments, runs, metrics, params and tags file for file like MLflow', async () => {
    const root = await tempRoot();
    const store = new FileTrackingStore({ root, now: counterClock(), user: 'root' });
    const experimentId = await store.createExperiment('iris-demo', { tags: { project: 'iris', owner: 'fixtures' } });
    expect(experimentId).toMatch(/^[1-9]\d{17}$/);

    const run = await store.createRun({ experimentId, runName: 'mlp-h8', tags: { 'mlflow.source.type': 'LOCAL' } });
    const params = { learning_rate: '0.5', epochs: '5', hidden_units: '8', seed: '7' };
    const history: Metric[] = [];
    for (const key of ['accuracy', 'f1_macro', 'loss']) {
      history.push(...parseLines(await readFile(join(fixtureRun, 'metrics', key), 'utf8'), key));
    }
    await store.logBatch(run.runId, { params, metrics: history, tags: { dataset: 'iris', model_family: 'numpy-mlp' } });
    await store.updateRun(run.runId, { status: 'FINISHED', endTime: 1795725452949 });

    // The store folder: Default experiment, trash, and ours.
    expect((await readdir(root)).sort()).toEqual(['.trash', '0', experimentId].sort());
    const defaultMeta = await readFile(join(root, '0', 'meta.yaml'), 'utf8');
    expect(metaKeys(defaultMeta)).toEqual(metaKeys(await readFile(join(FIXTURE_ROOT, 'direct/mlruns/0/meta.yaml'), 'utf8')));
    expect(defaultMeta).toContain("experiment_id: '0'\n");
    expect(defaultMeta).toContain('name: Default\n');

    const experimentMeta = await readFile(join(root, experimentId, 'meta.yaml'), 'utf8');
    expect(metaKeys(experimentMeta)).toEqual(metaKeys(await readFile(join(FIXTURE_ROOT, 'direct/mlruns', DIRECT.experimentId, 'meta.yaml'), 'utf8')));
    expect(experimentMeta).toContain(`experiment_id: '${experimentId}'\n`);
    expect(experimentMeta).toContain(`artifact_location: ${pathToFileURL(join(root, experimentId)).href}\n`);
    expect(await readFile(join(root, experimentId, 'tags', 'owner'), 'utf8')).toBe('fixtures');

    const runDir = join(root, experimentId, run.runId);
    expect((await readdir(runDir)).sort()).toEqual((await readdir(fixtureRun)).sort());
    const runMeta = await readFile(join(runDir, 'meta.yaml'), 'utf8');
    const fixtureMeta = await readFile(join(fixtureRun, 'meta.yaml'), 'utf8');
    expect(metaKeys(runMeta)).toEqual(metaKeys(fixtureMeta));
    // Apart from ids, times and the root path, the run's meta.yaml is line for line MLflow's.
    const normalise = (text: string) =>
      text
        .replace(/[0-9a-f]{32}/g, '<run>')
        .replace(/\b\d{18}\b/g, '<exp>')
        .replace(/\b\d{13}\b/g, '<time>')
        .replace(/file:\/\/\S+\/mlruns\//, 'file:///<root>/mlruns/');
    expect(normalise(runMeta)).toBe(normalise(fixtureMeta));

    for (const key of ['accuracy', 'f1_macro', 'loss']) {
      expect(await readFile(join(runDir, 'metrics', key), 'utf8')).toBe(await readFile(join(fixtureRun, 'metrics', key), 'utf8'));
    }
    for (const [key, value] of Object.entries(params)) {
      expect(await readFile(join(runDir, 'params', key), 'utf8')).toBe(value);
      expect(await readFile(join(fixtureRun, 'params', key), 'utf8')).toBe(value);
    }
    expect(await readFile(join(runDir, 'tags', 'mlflow.runName'), 'utf8')).toBe('mlp-h8');
    expect(await readFile(join(runDir, 'tags', 'mlflow.user'), 'utf8')).toBe('root');
    expect(await readFile(join(runDir, 'tags', 'model_family'), 'utf8')).toBe('numpy-mlp');
    expect((await listFiles(root)).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });

  it('creates the Default experiment on first use, once', async () => {
    const root = await tempRoot();
    const store = new FileTrackingStore({ root, now: () => 1234 });
    const experiment = await store.getExperiment('0');
    expect(experiment).toMatchObject({ name: 'Default', lifecycleStage: 'active', creationTime: 1234, artifactLocation: `${pathToFileURL(root).href}/0` });
    const again = new FileTrackingStore({ root, now: () => 9999 });
    expect((await again.getExperiment('0')).creationTime).toBe(1234);
  });
});

function parseLines(text: string, key: string): Metric[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [timestamp, value, step] = line.split(' ');
      return { key, timestamp: Number(timestamp), value: Number(value), step: Number(step) };
    });
}

describe('FileTrackingStore behaviour', () => {
  let root: string;
  let store: FileTrackingStore;
  let experimentId: string;
  beforeEach(async () => {
    root = await tempRoot();
    store = new FileTrackingStore({ root, now: counterClock(), user: 'tester' });
    experimentId = await store.createExperiment('behaviour');
  });

  it('keeps experiment names unique and reports unknown ids', async () => {
    await rejectedMlopsError(store.createExperiment('behaviour'), 'ALREADY_EXISTS', /Experiment 'behaviour' already exists/);
    await rejectedMlopsError(store.getExperiment('123456'), 'NOT_FOUND', /Experiment '123456' does not exist/);
    await rejectedMlopsError(store.getExperiment('../x'), 'INVALID_ARGUMENT');
    await rejectedMlopsError(store.createExperiment(''), 'INVALID_ARGUMENT');
    await store.setExperimentTag(experimentId, 'team', 'ml');
    expect((await store.getExperiment(experimentId)).tags).toEqual({ team: 'ml' });
  });

  it('sees deleted experiments in .trash, as MLflow does', async () => {
    const deletedId = '777';
    await mkdir(join(root, '.trash', deletedId), { recursive: true });
    await writeFile(
      join(root, '.trash', deletedId, 'meta.yaml'),
      `artifact_location: file:///x/${deletedId}\ncreation_time: 1\nexperiment_id: '${deletedId}'\nlast_update_time: 2\nlifecycle_stage: deleted\nname: old\n`,
    );
    expect((await store.getExperiment(deletedId)).lifecycleStage).toBe('deleted');
    expect((await store.getExperimentByName('old'))?.experimentId).toBe(deletedId);
    expect((await store.searchExperiments()).items.map((e) => e.name)).not.toContain('old');
    await rejectedMlopsError(store.createExperiment('old'), 'ALREADY_EXISTS', /deleted state/);
    await rejectedMlopsError(store.createRun({ experimentId: deletedId }), 'INVALID_ARGUMENT');
  });

  it('sets the system tags and run name like the fluent API', async () => {
    const named = await store.createRun({ experimentId, runName: 'first', startTime: 5 });
    expect(named).toMatchObject({ runName: 'first', userId: 'tester', status: 'RUNNING', startTime: 5, endTime: undefined });
    expect((await store.getRun(named.runId)).data.tags).toEqual({ 'mlflow.runName': 'first', 'mlflow.user': 'tester' });

    const explicitUser = await store.createRun({ experimentId, userId: 'alice' });
    expect(explicitUser.userId).toBe('alice');
    expect(explicitUser.runName).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    expect((await store.getRun(explicitUser.runId)).data.tags['mlflow.user']).toBe('alice');

    const fromTag = await store.createRun({ experimentId, tags: { 'mlflow.runName': 'tagged' } });
    expect(fromTag.runName).toBe('tagged');
    await rejectedMlopsError(store.createRun({ experimentId, runName: 'a', tags: { 'mlflow.runName': 'b' } }), 'INVALID_ARGUMENT');
    await rejectedMlopsError(store.createRun({ experimentId: '404' }), 'NOT_FOUND', /404/);
  });

  it('keeps run_name and the mlflow.runName tag in step', async () => {
    const run = await store.createRun({ experimentId, runName: 'before' });
    await store.setTag(run.runId, 'mlflow.runName', 'renamed');
    expect(await readFile(join(root, experimentId, run.runId, 'meta.yaml'), 'utf8')).toContain('run_name: renamed\n');
    const updated = await store.updateRun(run.runId, { runName: 'final', status: 'KILLED', endTime: 99 });
    expect(updated).toMatchObject({ runName: 'final', status: 'KILLED', endTime: 99 });
    expect((await store.getRun(run.runId)).data.tags['mlflow.runName']).toBe('final');
    const meta = await readFile(join(root, experimentId, run.runId, 'meta.yaml'), 'utf8');
    expect(meta).toContain('status: 5\n');
    expect(meta).toContain('end_time: 99\n');
  });

  it('refuses to change a logged param, like MLflow', async () => {
    const run = await store.createRun({ experimentId });
    await store.logBatch(run.runId, { params: { lr: '0.1' } });
    await store.logBatch(run.runId, { params: { lr: '0.1' } });
    await rejectedMlopsError(store.logBatch(run.runId, { params: { lr: '0.2' } }), 'INVALID_ARGUMENT', /lr.*'0.1'.*'0.2'/);
    expect(await readFile(join(root, experimentId, run.runId, 'params', 'lr'), 'utf8')).toBe('0.1');
  });

  it('validates the whole batch before writing any of it', async () => {
    const run = await store.createRun({ experimentId });
    await rejectedMlopsError(
      store.logBatch(run.runId, { params: { ok: '1' }, metrics: [{ key: '../escape', value: 1, timestamp: 1, step: 0 }] }),
      'INVALID_ARGUMENT',
      /escape/,
    );
    expect((await store.getRun(run.runId)).data.params).toEqual({});
    await rejectedMlopsError(store.setTag(run.runId, '/abs', 'x'), 'INVALID_ARGUMENT');
    await rejectedMlopsError(store.logBatch(run.runId, { tags: { big: 'x'.repeat(5001) } }), 'INVALID_ARGUMENT', /5000/);
  });

  it('stores keys with slashes in sub-folders and reports the latest metric', async () => {
    const run = await store.createRun({ experimentId });
    await store.logBatch(run.runId, {
      metrics: [
        { key: 'train/loss', value: 0.5, timestamp: 10, step: 2 },
        { key: 'train/loss', value: 0.9, timestamp: 20, step: 1 },
        { key: 'train/loss', value: 1e-5, timestamp: 5, step: 2 },
        { key: 'acc', value: 1, timestamp: 1, step: 0 },
      ],
      tags: { 'team/owner': 'ml' },
    });
    const loaded = await store.getRun(run.runId);
    expect(loaded.data.metrics['train/loss']).toEqual({ key: 'train/loss', value: 0.5, timestamp: 10, step: 2 });
    expect(loaded.data.tags['team/owner']).toBe('ml');
    expect(await readFile(join(root, experimentId, run.runId, 'metrics', 'train', 'loss'), 'utf8')).toBe('10 0.5 2\n20 0.9 1\n5 1e-05 2\n');
    expect(await readFile(join(root, experimentId, run.runId, 'metrics', 'acc'), 'utf8')).toBe('1 1.0 0\n');
    expect((await store.getMetricHistory(run.runId, 'train/loss')).map((metric) => metric.value)).toEqual([0.5, 0.9, 1e-5]);
  });

  it('deletes tags and reports missing ones', async () => {
    const run = await store.createRun({ experimentId });
    await store.setTag(run.runId, 'stage', 'train');
    await store.deleteTag(run.runId, 'stage');
    expect((await store.getRun(run.runId)).data.tags.stage).toBeUndefined();
    await rejectedMlopsError(store.deleteTag(run.runId, 'stage'), 'NOT_FOUND', /stage/);
    await rejectedMlopsError(store.getRun('0123456789abcdef0123456789abcdef'), 'NOT_FOUND', /0123456789abcdef0123456789abcdef/);
  });

  it('pages through runs and experiments with opaque tokens', async () => {
    for (let i = 0; i < 5; i += 1) await store.createRun({ experimentId, runName: `run-${i}`, startTime: 100 + i });
    const names: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await store.searchRuns({ experimentIds: [experimentId], maxResults: 2, ...(pageToken ? { pageToken } : {}) });
      names.push(...page.items.map((run) => run.info.runName));
      pageToken = page.nextPageToken;
      pages += 1;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(names).toEqual(['run-4', 'run-3', 'run-2', 'run-1', 'run-0']);

    await store.createExperiment('second');
    const first = await store.searchExperiments({ maxResults: 2 });
    expect(first.items).toHaveLength(2);
    const rest = await store.searchExperiments({ maxResults: 2, pageToken: first.nextPageToken! });
    expect([...first.items, ...rest.items].map((e) => e.name).sort()).toEqual(['Default', 'behaviour', 'second']);
    expect(rest.nextPageToken).toBeUndefined();
  });

  it('logs, lists and downloads artifacts inside the run artifact root only', async () => {
    const run = await store.createRun({ experimentId });
    await store.logArtifact(run.runId, 'model/MLmodel', 'artifact_path: model\n');
    await store.logArtifact(run.runId, 'model/weights.bin', new Uint8Array([1, 2, 3]));
    await store.logArtifact(run.runId, 'notes.txt', 'hello');
    expect(await readFile(join(root, experimentId, run.runId, 'artifacts', 'model', 'MLmodel'), 'utf8')).toBe('artifact_path: model\n');
    expect(await store.listArtifacts(run.runId)).toEqual([
      { path: 'model', isDir: true, fileSize: undefined },
      { path: 'notes.txt', isDir: false, fileSize: 5 },
    ]);
    expect((await store.listArtifacts(run.runId, 'model')).map((entry) => [entry.path, entry.fileSize])).toEqual([
      ['model/MLmodel', 21],
      ['model/weights.bin', 3],
    ]);
    expect(await store.listArtifacts(run.runId, 'missing')).toEqual([]);
    expect(Array.from(await store.downloadArtifact(run.runId, 'model/weights.bin'))).toEqual([1, 2, 3]);
    await rejectedMlopsError(store.logArtifact(run.runId, '../../escape.txt', 'x'), 'INVALID_ARGUMENT');
    await rejectedMlopsError(store.listArtifacts(run.runId, '../..'), 'INVALID_ARGUMENT');
    await rejectedMlopsError(store.downloadArtifact(run.runId, 'nope.txt'), 'NOT_FOUND', /nope.txt/);
    await rejectedMlopsError(store.downloadArtifact(run.runId, 'model'), 'INVALID_ARGUMENT', /folder/);
  });

  it('reports a corrupt run meta.yaml by name and keeps the other runs searchable', async () => {
    const good = await store.createRun({ experimentId, runName: 'good' });
    const bad = await store.createRun({ experimentId, runName: 'bad' });
    const badMeta = join(root, experimentId, bad.runId, 'meta.yaml');
    await writeFile(badMeta, 'artifact_uri: [unterminated\nstatus: 3\n');
    const skipped: MlopsError[] = [];
    const watching = new FileTrackingStore({ root, onCorrupt: (error) => skipped.push(error) });
    const error = await rejectedMlopsError(watching.getRun(bad.runId), 'CORRUPT');
    expect(error.message).toContain(badMeta);
    const found = await watching.searchRuns({ experimentIds: [experimentId] });
    expect(found.items.map((run) => run.info.runId)).toEqual([good.runId]);
    expect(skipped.map((skip) => skip.message).join()).toContain(badMeta);
  });

  it('reports a corrupt experiment meta.yaml by name and keeps listing the others', async () => {
    const other = await store.createExperiment('other');
    const file = join(root, other, 'meta.yaml');
    await writeFile(file, ':\n  - not: [a mapping\n');
    const error = await rejectedMlopsError(store.getExperiment(other), 'CORRUPT');
    expect(error.message).toContain(file);
    const names = (await store.searchExperiments()).items.map((e) => e.name);
    expect(names.sort()).toEqual(['Default', 'behaviour']);
    expect((await store.getExperimentByName('behaviour'))?.experimentId).toBe(experimentId);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await rejectedMlopsError(store.searchRuns({ experimentIds: [experimentId], signal: controller.signal }), 'ABORTED');
    await rejectedMlopsError(store.getExperiment(experimentId, { signal: controller.signal }), 'ABORTED');
  });

  it('reports the tracking URI it was opened from', () => {
    expect(store.uri).toBe(pathToFileURL(root).href);
    expect(new FileTrackingStore({ root, uri: 'file:./mlruns' }).uri).toBe('file:./mlruns');
  });
});

describe('several processes writing to one store at once', () => {
  it('leave it uncorrupted: every version number once, one experiment per name, every metric line and tag intact', async () => {
    const root = await tempRoot();
    const tracking = new FileTrackingStore({ root });
    const { FileModelRegistry } = await import('../../../src/tracking/file-store/registry-file-store.js');
    const registry = new FileModelRegistry({ root });
    const experimentId = await tracking.createExperiment('writers');
    const { runId } = await tracking.createRun({ experimentId });
    await registry.createRegisteredModel('shared');

    const { execFile } = await import('node:child_process');
    const writers = ['alpha', 'beta', 'gamma'];
    const perWriter = 8;
    const here = new URL('.', import.meta.url);
    // Long enough for every process to have started and loaded the store.
    const startAt = String(Date.now() + 2_500);
    const outputs = await Promise.all(
      writers.map(
        (writer) =>
          new Promise<{ versions: string[]; experiments: string[] }>((resolve, reject) => {
            execFile(
              process.execPath,
              ['--import', new URL('ts-register.mjs', here).href, new URL('concurrent-writer.ts', here).pathname, root, writer, runId, String(perWriter), startAt],
              (error, stdout, stderr) => (error ? reject(new Error(`${writer}: ${stderr}`)) : resolve(JSON.parse(stdout))),
            );
          }),
      ),
    );

    const allVersions = outputs.flatMap((output) => output.versions).map(Number).sort((a, b) => a - b);
    expect(allVersions).toEqual(Array.from({ length: writers.length * perWriter }, (_, i) => i + 1));
    const listed = await registry.listModelVersions('shared');
    expect(listed).toHaveLength(writers.length * perWriter);
    // Each version's tag says which process made it, and that process reported that number.
    for (const version of listed) expect(outputs[writers.indexOf(version.tags['writer']!)]!.versions).toContain(version.version);
    // One experiment of that name, made by exactly one of the processes.
    expect(outputs.flatMap((output) => output.experiments)).toHaveLength(1);
    const named = (await tracking.searchExperiments({ filter: "name = 'shared-by-all'" })).items;
    expect(named).toHaveLength(1);
    // Every metric line arrived whole, every param and tag is readable.
    const run = await tracking.getRun(runId);
    const history = await tracking.getMetricHistory(runId, 'progress');
    expect(history).toHaveLength(writers.length * perWriter);
    expect(Object.keys(run.data.params)).toHaveLength(writers.length * perWriter);
    for (const writer of writers) expect(run.data.tags[`last_${writer}`]).toBe(String(perWriter - 1));
    const alias = (await registry.getModelVersionByAlias('shared', 'latest_by_anyone')).version;
    expect(Number(alias)).toBeGreaterThan(0);
    // No temporary or lock file is left behind.
    expect((await listFiles(root)).filter((file) => /\.tmp$|\.lock$/.test(file))).toEqual([]);
  });
});
