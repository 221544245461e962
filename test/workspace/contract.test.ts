import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { stringifyMLmodel } from '../../src/model/mlmodel.js';
import { FileModelRegistry } from '../../src/tracking/file-store/registry-file-store.js';
import { FileTrackingStore } from '../../src/tracking/file-store/tracking-file-store.js';
import { resolveModelUri } from '../../src/tracking/model-uri.js';
import { openDatabricksWorkspace } from '../../src/workspace/databricks/workspace.js';
import { LocalTableStore } from '../../src/workspace/local/tables.js';
import { LocalVolumeStore } from '../../src/workspace/local/volumes.js';
import type { VolumeEntry, Workspace } from '../../src/workspace/types.js';
import { FakeDatabricks } from '../fakes/databricks/server.js';
import { useTempDirs } from '../helpers/temp-dir.js';

/**
 * One Workspace contract — volumes, tables, tracking, registry — for every implementation: the
 * local folder backend and the Databricks backend (against the in-process fake workspace).
 * Anything a stage may rely on is asserted here, so both backends behave the same way.
 */

type Opener = (tempDir: string) => Promise<{ workspace: Workspace; close: () => Promise<void> }>;

const openLocal: Opener = async (root) => ({
  workspace: {
    kind: 'local',
    location: root,
    volumes: new LocalVolumeStore({ root }),
    tables: new LocalTableStore({ root }),
    tracking: new FileTrackingStore({ root: join(root, 'mlruns') }),
    registry: new FileModelRegistry({ root: join(root, 'mlruns') }),
  },
  close: async () => {},
});

const openFake: Opener = async (root) => {
  const fake = await FakeDatabricks.start({ dataDir: join(root, 'fake') });
  const workspace = await openDatabricksWorkspace(
    { host: fake.url, warehouseId: fake.warehouseId },
    { env: { DATABRICKS_TOKEN: fake.token }, homeDir: root, pollIntervalMs: 10, azureBlobEndpoint: (account) => fake.azureBlobEndpoint(account), multipartThreshold: 64 * 1024, multipartPartSize: 32 * 1024 },
  );
  return { workspace, close: () => fake.close() };
};

const V = '/Volumes/contract/data/files';

async function paths(iterable: AsyncIterable<VolumeEntry>): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of iterable) out.push(entry.path);
  return out;
}

async function rows(iterable: AsyncIterable<arrow.RecordBatch>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const batch of iterable) for (const row of new arrow.Table(batch)) out.push({ ...row.toJSON() });
  return out;
}

// Plain Utf8 strings; `dictionaryBatch` makes the tableFromArrays kind.
function irisBatch(ids: number[], species: string[]): arrow.RecordBatch {
  const table = new arrow.Table({
    id: arrow.vectorFromArray(Int32Array.from(ids)),
    sepal_length: arrow.vectorFromArray(Float64Array.from(ids.map((i) => i + 0.5))),
    species: arrow.vectorFromArray(species, new arrow.Utf8()),
  });
  return table.batches[0]!;
}

/** What apache-arrow's tableFromArrays makes of a string array: Dictionary<Int32, Utf8>. */
function dictionaryBatch(ids: number[], species: string[]): arrow.RecordBatch {
  const batch = arrow.tableFromArrays({ id: Int32Array.from(ids), sepal_length: Float64Array.from(ids.map((i) => i + 0.5)), species }).batches[0]!;
  expect(arrow.DataType.isDictionary(batch.schema.fields[2]!.type)).toBe(true);
  return batch;
}

const MLMODEL = stringifyMLmodel({
  artifactPath: 'model',
  flavors: { tfjs: { model_json: 'model.json' } },
  signature: { inputs: [{ type: 'double', name: 'sepal_length' }], outputs: [{ type: 'string', name: 'prediction' }], params: null },
  extra: {},
});

describe.each([
  ['local', openLocal],
  ['databricks (fake workspace)', openFake],
] as const)('Workspace contract: %s', (_name, open) => {
  const tempDir = useTempDirs();
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });
  async function workspace(): Promise<Workspace> {
    const opened = await open(await tempDir());
    close = opened.close;
    return opened.workspace;
  }

  describe('volumes', () => {
    it('round-trips text and bytes, replaces with overwrite and refuses without it', async () => {
      const { volumes } = await workspace();
      await volumes.write(`${V}/a/hello.txt`, 'hello');
      expect(new TextDecoder().decode(await volumes.read(`${V}/a/hello.txt`))).toBe('hello');
      await volumes.write(`${V}/a/hello.txt`, new Uint8Array([1, 2, 3]));
      expect([...(await volumes.read(`${V}/a/hello.txt`))]).toEqual([1, 2, 3]);
      await expect(volumes.write(`${V}/a/hello.txt`, 'x', { overwrite: false })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      await expect(volumes.read(`${V}/a/missing.txt`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(volumes.write('/Volumes/contract/data/files', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('round-trips a file larger than the multipart threshold byte for byte', async () => {
      const { volumes } = await workspace();
      const big = new Uint8Array(200 * 1024).map((_, i) => (i * 7) % 256);
      await volumes.write(`${V}/big.bin`, big);
      const back = await volumes.read(`${V}/big.bin`);
      expect(back.byteLength).toBe(big.byteLength);
      expect(Buffer.compare(Buffer.from(back), Buffer.from(big))).toBe(0);
    });

    it('stats files and directories, lists sorted and recursively', async () => {
      const { volumes } = await workspace();
      for (const name of ['b.txt', 'a.txt', 'sub/c.txt', 'sub/deep/d.txt']) await volumes.write(`${V}/dir/${name}`, name);
      expect(await volumes.stat(`${V}/dir/a.txt`)).toMatchObject({ path: `${V}/dir/a.txt`, isDirectory: false, size: 5 });
      expect(await volumes.stat(`${V}/dir/sub`)).toMatchObject({ path: `${V}/dir/sub`, isDirectory: true });
      expect(await volumes.stat(`${V}/dir/none`)).toBeUndefined();
      expect(await volumes.exists(`${V}/dir/sub/c.txt`)).toBe(true);
      expect(await paths(volumes.list(`${V}/dir`))).toEqual([`${V}/dir/a.txt`, `${V}/dir/b.txt`, `${V}/dir/sub`]);
      expect(await paths(volumes.list(`${V}/dir`, { recursive: true }))).toEqual([`${V}/dir/a.txt`, `${V}/dir/b.txt`, `${V}/dir/sub/c.txt`, `${V}/dir/sub/deep/d.txt`]);
      await expect(paths(volumes.list(`${V}/nowhere`))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(paths(volumes.list(`${V}/dir/a.txt`))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('mkdirs nested folders, deletes files and whole trees, tolerates absent paths', async () => {
      const { volumes } = await workspace();
      await volumes.mkdirs(`${V}/x/y/z`);
      expect(await volumes.stat(`${V}/x/y/z`)).toMatchObject({ isDirectory: true });
      await volumes.write(`${V}/x/f.txt`, 'f');
      await expect(volumes.mkdirs(`${V}/x/f.txt/sub`)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      await volumes.write(`${V}/x/y/g.txt`, 'g');
      await volumes.delete(`${V}/x/f.txt`);
      expect(await volumes.exists(`${V}/x/f.txt`)).toBe(false);
      await volumes.delete(`${V}/x`);
      expect(await volumes.exists(`${V}/x`)).toBe(false);
      await volumes.delete(`${V}/never`);
      await expect(volumes.delete(V)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('reads byte ranges [start, end): the middle, to the end and past it (cut short), empty ones', async () => {
      const { volumes } = await workspace();
      const data = new Uint8Array(1000).map((_, i) => (i * 7 + 3) % 256);
      await volumes.write(`${V}/r/data.bin`, data);
      const range = async (start: number, end: number) => [...(await volumes.readRange(`${V}/r/data.bin`, start, end))];
      expect(await range(100, 200)).toEqual([...data.subarray(100, 200)]);
      expect(await range(0, 1)).toEqual([data[0]]);
      expect(await range(999, 1000)).toEqual([data[999]]);
      expect(await range(900, 1000)).toEqual([...data.subarray(900)]);
      expect(await range(0, 1000)).toEqual([...data]);
      expect(await range(990, 5000)).toEqual([...data.subarray(990)]);
      expect(await range(10, 10)).toEqual([]);
      expect(await range(1000, 1010)).toEqual([]);
      expect(await range(5000, 6000)).toEqual([]);
      await volumes.write(`${V}/r/empty.bin`, new Uint8Array());
      expect([...(await volumes.readRange(`${V}/r/empty.bin`, 0, 10))]).toEqual([]);
      expect([...(await volumes.readRange(`${V}/r/empty.bin`, 0, 0))]).toEqual([]);
    });

    it('refuses a missing file with NOT_FOUND naming it (empty range too), a bad range with INVALID_ARGUMENT, an aborted call with ABORTED', async () => {
      const { volumes } = await workspace();
      await volumes.write(`${V}/r/data.bin`, new Uint8Array(10));
      for (const [start, end] of [[0, 10], [0, 0]] as const) {
        await expect(volumes.readRange(`${V}/r/missing.bin`, start, end)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(`${V}/r/missing.bin`) });
      }
      for (const [start, end] of [[5, 4], [-1, 3], [1.5, 3], [0, Number.POSITIVE_INFINITY]] as const) {
        await expect(volumes.readRange(`${V}/r/data.bin`, start, end)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`${V}/r/data.bin`) });
      }
      await expect(volumes.readRange(`${V}/r/data.bin`, 0, 5, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    });
  });

  describe('tables', () => {
    it('creates, reads, appends, describes and drops a table', async () => {
      const { tables } = await workspace();
      const name = 'contract.data.iris';
      expect(await tables.exists(name)).toBe(false);
      const written = await tables.write(name, [irisBatch([1, 2], ['setosa', 'virginica'])], { mode: 'overwrite' });
      expect(written.rows).toBe(2);
      expect(written.name).toBe(name);
      expect(await tables.exists('Contract.Data.IRIS')).toBe(true);
      await tables.write(name, [irisBatch([3], ['versicolor'])], { mode: 'append' });
      const read = await rows(tables.read(name));
      expect(read.map((r) => [Number(r.id), r.sepal_length, String(r.species)]).sort()).toEqual([
        [1, 1.5, 'setosa'],
        [2, 2.5, 'virginica'],
        [3, 3.5, 'versicolor'],
      ]);
      const info = await tables.describe(name);
      expect(info.schema.fields.map((f) => f.name)).toEqual(['id', 'sepal_length', 'species']);
      expect(arrow.DataType.isFloat(info.schema.fields[1]!.type)).toBe(true);
      expect(info.location).not.toBe('');

      await tables.write(name, [irisBatch([9], ['setosa'])], { mode: 'overwrite' });
      expect((await rows(tables.read(name))).map((r) => Number(r.id))).toEqual([9]);

      await tables.drop(name);
      expect(await tables.exists(name)).toBe(false);
      await tables.drop(name);
    });

    it('appends dictionary-encoded and plain strings to each other: they are the same string column', async () => {
      const { tables } = await workspace();
      const plainFirst = 'contract.data.plain_first';
      await tables.write(plainFirst, [irisBatch([1], ['setosa'])], { mode: 'overwrite' });
      await tables.write(plainFirst, [dictionaryBatch([2, 3], ['virginica', 'setosa'])], { mode: 'append' });
      await tables.write(plainFirst, [dictionaryBatch([4], ['versicolor'])], { mode: 'append' });
      const dictionaryFirst = 'contract.data.dictionary_first';
      await tables.write(dictionaryFirst, [dictionaryBatch([1], ['setosa'])], { mode: 'overwrite' });
      await tables.write(dictionaryFirst, [dictionaryBatch([2], ['virginica'])], { mode: 'append' });
      await tables.write(dictionaryFirst, [irisBatch([3], ['versicolor']), dictionaryBatch([4], ['setosa'])], { mode: 'append' });
      const mixedCreate = 'contract.data.mixed_create';
      await tables.write(mixedCreate, [irisBatch([1], ['setosa']), dictionaryBatch([2, 3], ['virginica', 'setosa']), irisBatch([4], ['versicolor'])], { mode: 'overwrite' });

      const expected: [string, [number, string][]][] = [
        [plainFirst, [[1, 'setosa'], [2, 'virginica'], [3, 'setosa'], [4, 'versicolor']]],
        [dictionaryFirst, [[1, 'setosa'], [2, 'virginica'], [3, 'versicolor'], [4, 'setosa']]],
        [mixedCreate, [[1, 'setosa'], [2, 'virginica'], [3, 'setosa'], [4, 'versicolor']]],
      ];
      for (const [name, want] of expected) {
        const read = await rows(tables.read(name));
        expect(read.map((r) => [Number(r.id), String(r.species)]).sort(), name).toEqual(want);
        const species = (await tables.describe(name)).schema.fields[2]!.type;
        expect(arrow.DataType.isUtf8(species) || (arrow.DataType.isDictionary(species) && arrow.DataType.isUtf8(species.dictionary)), name).toBe(true);
      }
    });

    it('writes batches of one write that differ in nullability: the column becomes nullable', async () => {
      const { tables } = await workspace();
      const required = new arrow.Field('species', new arrow.Utf8(), false);
      const strict = new arrow.RecordBatch(
        new arrow.Schema([required]),
        arrow.makeData({ type: new arrow.Struct([required]), length: 1, nullCount: 0, children: [arrow.vectorFromArray(['setosa'], new arrow.Utf8()).data[0]!] }),
      );
      const withNull = arrow.tableFromArrays({ species: ['virginica', null] }).batches[0]!;
      await tables.write('contract.data.nullable', [strict, withNull], { mode: 'overwrite' });
      expect((await rows(tables.read('contract.data.nullable'))).map((r) => r.species)).toEqual(['setosa', 'virginica', null]);
    });

    it('still refuses a genuinely different string column, naming the table, the column, what it expected and found', async () => {
      const { tables } = await workspace();
      const name = 'contract.data.typed';
      await tables.write(name, [irisBatch([1], ['setosa'])]);
      const doubles = arrow.tableFromArrays({ id: Int32Array.from([2]), sepal_length: Float64Array.from([1]), species: Float64Array.from([2]) }).batches[0]!;
      const error = await tables.write(name, [doubles], { mode: 'append' }).then(
        () => undefined,
        (caught: unknown) => caught as Error & { code?: string },
      );
      expect(error?.code).toBe('SCHEMA_MISMATCH');
      expect(error?.message).toContain(name);
      expect(error?.message).toMatch(/different type species \((Utf8|STRING) → (Float64|DOUBLE)\)/);
      const renamed = arrow.tableFromArrays({ id: Int32Array.from([2]), sepal_length: Float64Array.from([1]), kind: ['setosa'] }).batches[0]!;
      await expect(tables.write(name, [renamed], { mode: 'append' })).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH', message: expect.stringMatching(/missing species.*unexpected kind/) });
      const extra = arrow.tableFromArrays({ id: Int32Array.from([2]), sepal_length: Float64Array.from([1]), species: ['setosa'], petal: ['x'] }).batches[0]!;
      await expect(tables.write(name, [extra], { mode: 'append' })).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH', message: expect.stringContaining('unexpected petal') });
      const mixed = [irisBatch([2], ['setosa']), doubles];
      await expect(tables.write('contract.data.mixed_types', mixed, { mode: 'overwrite' })).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH' });
      expect((await rows(tables.read(name))).map((r) => Number(r.id))).toEqual([1]);
    });

    it('refuses appends with other columns, unknown tables and schema-less creates', async () => {
      const { tables } = await workspace();
      const name = 'contract.data.strict';
      await tables.write(name, [irisBatch([1], ['setosa'])]);
      const other = arrow.tableFromArrays({ id: Int32Array.from([2]), petal: Float64Array.from([1]) }).batches[0]!;
      await expect(tables.write(name, [other], { mode: 'append' })).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH' });
      expect((await rows(tables.read(name))).length).toBe(1);
      await expect(tables.describe('contract.data.none')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(rows(tables.read('contract.data.none'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(tables.write('contract.data.empty', [])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(tables.write('not-three-parts', [irisBatch([1], ['a'])])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });

  describe('tracking', () => {
    it('keeps experiments, runs, metrics, params, tags and artifacts', async () => {
      const { tracking } = await workspace();
      const name = '/Shared/mlops-contract/experiment';
      const experimentId = await tracking.createExperiment(name, { tags: { team: 'ml' } });
      expect((await tracking.getExperiment(experimentId)).name).toBe(name);
      expect((await tracking.getExperimentByName(name))?.experimentId).toBe(experimentId);
      expect(await tracking.getExperimentByName('/Shared/mlops-contract/none')).toBeUndefined();
      await expect(tracking.createExperiment(name)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      await expect(tracking.getExperiment('987654321')).rejects.toMatchObject({ code: 'NOT_FOUND' });

      const run = await tracking.createRun({ experimentId, runName: 'train', startTime: 1_700_000_000_000, tags: { stage: 'train' } });
      await tracking.logBatch(run.runId, {
        params: { epochs: '200', lr: '0.05' },
        metrics: [
          { key: 'loss', value: 0.9, timestamp: 1, step: 0 },
          { key: 'loss', value: 0.2, timestamp: 2, step: 1 },
        ],
        tags: { note: 'contract' },
      });
      await tracking.setTag(run.runId, 'temp', 'x');
      await tracking.deleteTag(run.runId, 'temp');
      await tracking.updateRun(run.runId, { status: 'FINISHED', endTime: 1_700_000_001_000 });
      const fetched = await tracking.getRun(run.runId);
      expect(fetched.info).toMatchObject({ runName: 'train', status: 'FINISHED', experimentId });
      expect(fetched.data.params).toEqual({ epochs: '200', lr: '0.05' });
      expect(fetched.data.metrics.loss).toMatchObject({ value: 0.2, step: 1 });
      expect(fetched.data.tags).toMatchObject({ stage: 'train', note: 'contract' });
      expect(fetched.data.tags.temp).toBeUndefined();
      expect((await tracking.getMetricHistory(run.runId, 'loss')).map((m) => m.value)).toEqual([0.9, 0.2]);
      const found = await tracking.searchRuns({ experimentIds: [experimentId], filter: "params.epochs = '200'" });
      expect(found.items.map((r) => r.info.runId)).toEqual([run.runId]);

      await tracking.logArtifact(run.runId, 'model/MLmodel', MLMODEL);
      await tracking.logArtifact(run.runId, 'model/weights.bin', new Uint8Array([9, 8, 7]));
      await tracking.logArtifact(run.runId, 'notes.txt', 'hello');
      expect((await tracking.listArtifacts(run.runId)).map((a) => [a.path, a.isDir])).toEqual([
        ['model', true],
        ['notes.txt', false],
      ]);
      expect((await tracking.listArtifacts(run.runId, 'model')).map((a) => [a.path, a.fileSize])).toEqual([
        ['model/MLmodel', MLMODEL.length],
        ['model/weights.bin', 3],
      ]);
      expect([...(await tracking.downloadArtifact(run.runId, 'model/weights.bin'))]).toEqual([9, 8, 7]);
      await expect(tracking.downloadArtifact(run.runId, 'model/none.bin')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('registry', () => {
    it('registers versions from run artifacts, moves aliases and resolves models:/ URIs', async () => {
      const ws = await workspace();
      const { tracking, registry } = ws;
      const name = 'contract.models.iris';
      const experimentId = await tracking.createExperiment('/Shared/mlops-contract/registry');
      const run = await tracking.createRun({ experimentId, runName: 'train' });
      await tracking.logArtifact(run.runId, 'model/MLmodel', MLMODEL);
      await tracking.logArtifact(run.runId, 'model/weights.bin', new Uint8Array([1, 2, 3, 4]));
      const source = `${run.artifactUri}/model`;

      await expect(registry.getRegisteredModel(name)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const model = await registry.createRegisteredModel(name, { description: 'iris' });
      expect(model.name).toBe(name);
      await expect(registry.createRegisteredModel(name)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });

      const v1 = await registry.createModelVersion({ name, source, runId: run.runId });
      const v2 = await registry.createModelVersion({ name, source, runId: run.runId, description: 'second' });
      expect([v1.version, v2.version]).toEqual(['1', '2']);
      expect(v2).toMatchObject({ status: 'READY', runId: run.runId, source, description: 'second' });
      expect((await registry.listModelVersions(name)).map((v) => v.version)).toEqual(['2', '1']);

      await registry.setAlias(name, 'champion', '1');
      expect((await registry.getModelVersionByAlias(name, 'champion')).version).toBe('1');
      expect((await registry.getRegisteredModel(name)).aliases).toEqual({ champion: '1' });
      await registry.setAlias(name, 'champion', '2');
      expect((await registry.getModelVersion(name, '2')).aliases).toEqual(['champion']);
      expect((await registry.getModelVersion(name, '1')).aliases).toEqual([]);

      const resolved = await resolveModelUri(`models:/${name}@champion`, ws);
      expect(resolved).toMatchObject({ runId: run.runId, artifactPath: 'model' });
      expect(new TextDecoder().decode(await tracking.downloadArtifact(resolved.runId, `${resolved.artifactPath}/MLmodel`))).toBe(MLMODEL);

      await registry.deleteAlias(name, 'champion');
      await expect(registry.getModelVersionByAlias(name, 'champion')).rejects.toMatchObject({ code: 'NOT_FOUND' });

      await registry.setModelVersionTag(name, '2', 'approved', 'yes');
      expect((await registry.getModelVersion(name, '2')).tags).toEqual({ approved: 'yes' });
      await registry.deleteModelVersionTag(name, '2', 'approved');
      expect((await registry.getModelVersion(name, '2')).tags).toEqual({});
      expect((await registry.updateModelVersion(name, '1', { description: 'first' })).description).toBe('first');
      await registry.setRegisteredModelTag(name, 'owner', 'team-ml');
      expect((await registry.getRegisteredModel(name)).tags).toMatchObject({ owner: 'team-ml' });
      expect((await registry.updateRegisteredModel(name, { description: 'iris v2' })).description).toBe('iris v2');
      expect((await registry.searchRegisteredModels()).items.map((m) => m.name)).toContain(name);
      await expect(registry.getModelVersion(name, '9')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(registry.listModelVersions('contract.models.none')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });
});
