import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MlopsError } from '../../../src/errors.js';
import { FileModelRegistry } from '../../../src/tracking/file-store/registry-file-store.js';
import { rejectedMlopsError } from '../../helpers/errors.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { copyFixture, DIRECT, FIXTURE_ROOT, listFiles, metaKeys, SERVER } from './fixture-helpers.js';

const tempDir = useTempDirs();

async function tempRoot(): Promise<string> {
  return join(await tempDir(), 'mlruns');
}

const FIXTURE_MODEL = join(FIXTURE_ROOT, 'direct/mlruns/models/iris_classifier');

describe.each([
  ['direct', DIRECT],
  ['server', SERVER],
] as const)('reading the MLflow 2.12.2 %s registry', (variant, ids) => {
  let registry: FileModelRegistry;
  beforeEach(async () => {
    const base = await copyFixture(variant, await tempDir());
    registry = new FileModelRegistry({ root: join(base, 'mlruns') });
  });

  it('reads the registered model with description, tag and alias', async () => {
    const model = await registry.getRegisteredModel('iris_classifier');
    expect(model).toMatchObject({
      name: 'iris_classifier',
      description: 'Iris species classifier (numpy softmax), fixture.',
      tags: { task: 'classification' },
      aliases: { champion: '2' },
    });
    expect(model.lastUpdatedTimestamp).toBeGreaterThan(model.creationTimestamp);
    expect((await registry.searchRegisteredModels()).items.map((m) => m.name)).toEqual(['iris_classifier']);
  });

  it('reads versions 1 and 2, newest first', async () => {
    const versions = await registry.listModelVersions('iris_classifier');
    expect(versions.map((v) => v.version)).toEqual(['2', '1']);
    const [two, one] = versions;
    expect(two).toMatchObject({
      version: '2',
      runId: ids.mlpRun,
      status: 'READY',
      description: 'MLP with 8 hidden units; outputs probabilities.',
      tags: { approval: 'approved' },
      aliases: ['champion'],
    });
    expect(two!.source).toMatch(new RegExp(`${ids.experimentId}/${ids.mlpRun}/artifacts/model$`));
    expect(one).toMatchObject({ version: '1', runId: ids.linearRun, description: '', tags: {}, aliases: [] });
  });

  it('resolves the champion alias to version 2', async () => {
    const champion = await registry.getModelVersionByAlias('iris_classifier', 'champion');
    expect(champion.version).toBe('2');
    expect(champion.tags.approval).toBe('approved');
    expect((await registry.getModelVersion('iris_classifier', '1')).aliases).toEqual([]);
  });
});

describe("writing the registry in MLflow's layout", () => {
  it('writes model, version, tag and alias files as MLflow does', async () => {
    const root = await tempRoot();
    let time = 1795725452916;
    const registry = new FileModelRegistry({ root, now: () => time });
    await registry.createRegisteredModel('iris_classifier');
    time = 1795725452918;
    const source = `file:///MLFLOW_ROOT/mlruns/${DIRECT.experimentId}/${DIRECT.linearRun}/artifacts/model`;
    const one = await registry.createModelVersion({ name: 'iris_classifier', source, runId: DIRECT.linearRun });
    expect(one).toMatchObject({ version: '1', status: 'READY', source, runId: DIRECT.linearRun, description: '', aliases: [] });
    // Version 1 was never changed after creation in the fixture, so its meta.yaml must match byte for byte.
    expect(await readFile(join(root, 'models/iris_classifier/version-1/meta.yaml'), 'utf8')).toBe(await readFile(join(FIXTURE_MODEL, 'version-1/meta.yaml'), 'utf8'));

    time = 1795725452946;
    await registry.createModelVersion({ name: 'iris_classifier', source: source.replace(DIRECT.linearRun, DIRECT.mlpRun), runId: DIRECT.mlpRun });
    await registry.updateRegisteredModel('iris_classifier', { description: 'Iris species classifier (numpy softmax), fixture.' });
    await registry.setRegisteredModelTag('iris_classifier', 'task', 'classification');
    await registry.updateModelVersion('iris_classifier', '2', { description: 'MLP with 8 hidden units; outputs probabilities.' });
    await registry.setAlias('iris_classifier', 'champion', '1');
    await registry.setAlias('iris_classifier', 'champion', '2');
    await registry.setModelVersionTag('iris_classifier', '2', 'approval', 'approved');

    const ours = join(root, 'models/iris_classifier');
    expect((await readdir(ours)).sort()).toEqual((await readdir(FIXTURE_MODEL)).sort());
    expect((await readdir(join(ours, 'version-2'))).sort()).toEqual(['meta.yaml', 'tags']);
    expect(await readFile(join(ours, 'aliases/champion'), 'utf8')).toBe('2');
    expect(await readFile(join(ours, 'tags/task'), 'utf8')).toBe('classification');
    expect(await readFile(join(ours, 'version-2/tags/approval'), 'utf8')).toBe('approved');

    const modelMeta = await readFile(join(ours, 'meta.yaml'), 'utf8');
    const fixtureModelMeta = await readFile(join(FIXTURE_MODEL, 'meta.yaml'), 'utf8');
    expect(metaKeys(modelMeta)).toEqual(metaKeys(fixtureModelMeta));
    // Only the timestamps differ from what MLflow wrote for the same calls.
    const withoutTimes = (text: string) => text.replace(/\d{13}/g, '<time>');
    expect(withoutTimes(modelMeta)).toBe(withoutTimes(fixtureModelMeta));
    const versionMeta = await readFile(join(ours, 'version-2/meta.yaml'), 'utf8');
    expect(withoutTimes(versionMeta)).toBe(withoutTimes(await readFile(join(FIXTURE_MODEL, 'version-2/meta.yaml'), 'utf8')));
    expect(versionMeta).toContain('version: 2\n');
    expect(versionMeta).toContain('current_stage: None\n');
    expect((await listFiles(root)).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });
});

describe('FileModelRegistry behaviour', () => {
  let root: string;
  let registry: FileModelRegistry;
  beforeEach(async () => {
    root = await tempRoot();
    registry = new FileModelRegistry({ root });
  });

  it('creates each version number exactly once when two stores register in parallel', async () => {
    await registry.createRegisteredModel('race');
    const other = new FileModelRegistry({ root });
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (index % 2 === 0 ? registry : other).createModelVersion({ name: 'race', source: `file:///models/${index}`, runId: `run${index}` }),
      ),
    );
    const numbers = created.map((version) => Number(version.version)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    const listed = await registry.listModelVersions('race');
    expect(listed.map((version) => version.version)).toEqual(Array.from({ length: 20 }, (_, index) => String(20 - index)));
    // Every folder holds the record of the call that created it.
    for (const version of created) expect((await registry.getModelVersion('race', version.version)).source).toBe(version.source);
    const folders = (await readdir(join(root, 'models/race'))).filter((name) => name.startsWith('version-'));
    expect(folders).toHaveLength(20);
  });

  it('skips a version folder another process is still creating', async () => {
    await registry.createRegisteredModel('m');
    await mkdir(join(root, 'models/m/version-1'));
    expect(await registry.listModelVersions('m')).toEqual([]);
    await rejectedMlopsError(registry.getModelVersion('m', '1'), 'NOT_FOUND');
    expect((await registry.createModelVersion({ name: 'm', source: 's' })).version).toBe('2');
  });

  it('accepts dotted Unity Catalog style names', async () => {
    await registry.createRegisteredModel('main.iris.iris_model', { description: 'uc', tags: { owner: 'ml' } });
    const version = await registry.createModelVersion({ name: 'main.iris.iris_model', source: 'file:///x', tags: { stage: 'candidate' }, description: 'd' });
    expect(version).toMatchObject({ version: '1', tags: { stage: 'candidate' }, description: 'd' });
    expect(await readFile(join(root, 'models/main.iris.iris_model/version-1/tags/stage'), 'utf8')).toBe('candidate');
    expect(await registry.getRegisteredModel('main.iris.iris_model')).toMatchObject({ description: 'uc', tags: { owner: 'ml' } });
  });

  it('moves, reads and deletes aliases through the alias files', async () => {
    await registry.createRegisteredModel('m');
    await registry.createModelVersion({ name: 'm', source: 's1' });
    await registry.createModelVersion({ name: 'm', source: 's2' });
    await registry.setAlias('m', 'champion', '1');
    await registry.setAlias('m', 'champion', '2');
    expect((await registry.getModelVersionByAlias('m', 'champion')).source).toBe('s2');
    expect((await registry.getModelVersion('m', '1')).aliases).toEqual([]);
    expect(await readFile(join(root, 'models/m/meta.yaml'), 'utf8')).toContain("aliases:\n  champion: '2'\n");
    await registry.deleteAlias('m', 'champion');
    await rejectedMlopsError(registry.getModelVersionByAlias('m', 'champion'), 'NOT_FOUND', /champion.*'m'/);
    expect(await readFile(join(root, 'models/m/meta.yaml'), 'utf8')).toContain('aliases: {}\n');
    await rejectedMlopsError(registry.setAlias('m', 'champion', '9'), 'NOT_FOUND', /9/);
    await rejectedMlopsError(registry.setAlias('m', 'latest', '1'), 'INVALID_ARGUMENT');
  });

  it('reports unknown models and versions by name and refuses duplicates', async () => {
    await rejectedMlopsError(registry.getRegisteredModel('ghost'), 'NOT_FOUND', /'ghost'/);
    await rejectedMlopsError(registry.createModelVersion({ name: 'ghost', source: 's' }), 'NOT_FOUND', /ghost/);
    await registry.createRegisteredModel('m');
    await rejectedMlopsError(registry.createRegisteredModel('m'), 'ALREADY_EXISTS', /'m'/);
    await rejectedMlopsError(registry.getModelVersion('m', '3'), 'NOT_FOUND', /version 3 of registered model 'm'/);
    await rejectedMlopsError(registry.getModelVersion('m', 'x'), 'INVALID_ARGUMENT');
    await rejectedMlopsError(registry.createRegisteredModel('a/b'), 'INVALID_ARGUMENT');
  });

  it('updates and deletes version tags and descriptions', async () => {
    await registry.createRegisteredModel('m');
    await registry.createModelVersion({ name: 'm', source: 's' });
    await registry.setModelVersionTag('m', '1', 'approval', 'pending');
    await registry.setModelVersionTag('m', '1', 'approval', 'approved');
    expect((await registry.getModelVersion('m', '1')).tags).toEqual({ approval: 'approved' });
    await registry.deleteModelVersionTag('m', '1', 'approval');
    expect((await registry.getModelVersion('m', '1')).tags).toEqual({});
    const updated = await registry.updateModelVersion('m', '1', { description: 'checked' });
    expect(updated.description).toBe('checked');
    expect(updated.lastUpdatedTimestamp).toBeGreaterThanOrEqual(updated.creationTimestamp);
  });

  it('stores where a models:/ source really lives', async () => {
    await registry.createRegisteredModel('m');
    await registry.createModelVersion({ name: 'm', source: 'file:///runs/abc/artifacts/model' });
    await registry.setAlias('m', 'champion', '1');
    await registry.createRegisteredModel('copy');
    const copied = await registry.createModelVersion({ name: 'copy', source: 'models:/m@champion' });
    expect(copied.source).toBe('models:/m@champion');
    expect(await readFile(join(root, 'models/copy/version-1/meta.yaml'), 'utf8')).toContain('storage_location: file:///runs/abc/artifacts/model\n');
  });

  it('reports a corrupt version meta.yaml by name and keeps listing the others', async () => {
    await registry.createRegisteredModel('m');
    await registry.createModelVersion({ name: 'm', source: 's1' });
    await registry.createModelVersion({ name: 'm', source: 's2' });
    const file = join(root, 'models/m/version-1/meta.yaml');
    await writeFile(file, 'version: one\nname: m\n');
    const skipped: MlopsError[] = [];
    const watching = new FileModelRegistry({ root, onCorrupt: (error) => skipped.push(error) });
    const error = await rejectedMlopsError(watching.getModelVersion('m', '1'), 'CORRUPT');
    expect(error.message).toContain(file);
    expect((await watching.listModelVersions('m')).map((version) => version.version)).toEqual(['2']);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.message).toContain(file);
  });

  it('keeps listing models when one model folder is corrupt', async () => {
    await registry.createRegisteredModel('good');
    await registry.createRegisteredModel('bad');
    await writeFile(join(root, 'models/bad/meta.yaml'), '[not, a, mapping]\n');
    await rejectedMlopsError(registry.getRegisteredModel('bad'), 'CORRUPT', /models\/bad\/meta.yaml/);
    const page = await registry.searchRegisteredModels({ maxResults: 10 });
    expect(page.items.map((model) => model.name)).toEqual(['good']);
  });

  it('pages through registered models', async () => {
    for (const name of ['c', 'a', 'b']) await registry.createRegisteredModel(name);
    const first = await registry.searchRegisteredModels({ maxResults: 2 });
    expect(first.items.map((model) => model.name)).toEqual(['a', 'b']);
    const second = await registry.searchRegisteredModels({ maxResults: 2, pageToken: first.nextPageToken! });
    expect(second).toMatchObject({ items: [{ name: 'c' }], nextPageToken: undefined });
  });
});
