import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run-cli.js';
import { FileModelRegistry } from '../../../src/tracking/file-store/registry-file-store.js';
import { FileTrackingStore } from '../../../src/tracking/file-store/tracking-file-store.js';
import { openTracking } from '../../../src/tracking/open.js';
import type { ModelRegistry, TrackingStore } from '../../../src/tracking/types.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

/** A small file store: two experiments, three runs with metric histories (NaN too), params and tags, a model with versions, tags and aliases. */
export async function fillFileStore(mlruns: string): Promise<{ experimentIds: string[]; runIds: string[] }> {
  const tracking = new FileTrackingStore({ root: mlruns });
  const registry = new FileModelRegistry({ root: mlruns });
  const experimentIds = [await tracking.createExperiment('iris', { tags: { team: 'ml' } }), await tracking.createExperiment('other')];
  const runIds: string[] = [];
  for (const [index, experimentId] of [experimentIds[0]!, experimentIds[0]!, experimentIds[1]!].entries()) {
    const run = await tracking.createRun({ experimentId, runName: `run-${index}`, startTime: 1_000 + index, userId: 'alice' });
    await tracking.logBatch(run.runId, {
      params: { lr: String(0.1 * (index + 1)), epochs: '10' },
      metrics: [
        ...Array.from({ length: 5 }, (_, step) => ({ key: 'loss', value: 1 / (step + 1 + index), timestamp: 2_000 + step, step })),
        { key: 'odd', value: Number.NaN, timestamp: 2_000, step: 0 },
      ],
      tags: { stage: index === 2 ? 'eval' : 'train' },
    });
    if (index !== 1) await tracking.updateRun(run.runId, { status: 'FINISHED', endTime: 3_000 + index });
    runIds.push(run.runId);
  }
  await registry.createRegisteredModel('iris.model', { description: 'the classifier', tags: { task: 'iris' } });
  for (const runId of runIds.slice(0, 2)) await registry.createModelVersion({ name: 'iris.model', source: `file://${mlruns}/${experimentIds[0]}/${runId}/artifacts/model`, runId, tags: { from: runId } });
  await registry.updateModelVersion('iris.model', '2', { description: 'second' });
  await registry.setAlias('iris.model', 'champion', '2');
  await registry.setAlias('iris.model', 'previous', '1');
  await registry.createRegisteredModel('empty.model');
  return { experimentIds, runIds };
}

/** Everything a reader sees of a store, for comparing two of them. */
export async function snapshot(tracking: TrackingStore, registry: ModelRegistry, experimentIds: string[], runIds: string[]): Promise<unknown> {
  const experiments = [];
  for (const id of ['0', ...experimentIds]) experiments.push(await tracking.getExperiment(id));
  const runs = [];
  for (const runId of runIds) {
    const run = await tracking.getRun(runId);
    const histories = Object.fromEntries(await Promise.all(Object.keys(run.data.metrics).map(async (key) => [key, await tracking.getMetricHistory(runId, key)])));
    runs.push({ ...run, histories });
  }
  const models = [];
  for (const name of ['iris.model', 'empty.model']) models.push({ model: await registry.getRegisteredModel(name), versions: await registry.listModelVersions(name) });
  return { experiments, runs, models };
}

describe('mlops tracking migrate', () => {
  it('copies a file store into a new SQLite database, every id, history, tag, version and alias kept', async () => {
    const dir = await tempDir();
    const mlruns = join(dir, 'mlruns');
    const { experimentIds, runIds } = await fillFileStore(mlruns);
    let stdout = '';
    const code = await runCli(['tracking', 'migrate', mlruns, `sqlite:///${join(dir, 'mlflow.db')}`, '-q'], { stdout: (text) => (stdout += text), stderr: () => undefined, env: {}, cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toContain('3 experiment(s), 3 run(s), 18 metric value(s), 6 param(s)');
    expect(stdout).toContain('2 registered model(s), 2 version(s), 2 alias(es)');
    const file = openTracking(mlruns, { baseDir: dir });
    const sqlite = openTracking(`sqlite:///${join(dir, 'mlflow.db')}`, { baseDir: dir });
    const before = await snapshot(file.tracking, file.registry, experimentIds, runIds);
    const after = await snapshot(sqlite.tracking, sqlite.registry, experimentIds, runIds);
    expect(after).toEqual(before);
    // The copied artifact URIs still point at the files in mlruns.
    await file.tracking.logArtifact(runIds[0]!, 'notes.txt', 'kept');
    expect(new TextDecoder().decode(await sqlite.tracking.downloadArtifact(runIds[0]!, 'notes.txt'))).toBe('kept');
  });

  it('leaves the database as it was when an id is already there', async () => {
    const dir = await tempDir();
    const mlruns = join(dir, 'mlruns');
    await fillFileStore(mlruns);
    const uri = `sqlite:///${join(dir, 'mlflow.db')}`;
    const io = { stdout: () => undefined, env: {}, cwd: dir };
    expect(await runCli(['tracking', 'migrate', mlruns, uri, '-q'], { ...io, stderr: () => undefined })).toBe(0);
    const sqlite = openTracking(uri, { baseDir: dir });
    await sqlite.registry.createRegisteredModel('added.after');
    let stderr = '';
    expect(await runCli(['tracking', 'migrate', mlruns, uri, '-q'], { ...io, stderr: (text) => (stderr += text) })).toBe(1);
    expect(stderr).toMatch(/UNIQUE constraint failed|already/);
    expect((await sqlite.registry.searchRegisteredModels()).items.map((model) => model.name)).toEqual(['added.after', 'empty.model', 'iris.model']);
  });

  it('refuses a target that is not a sqlite:/// URI', async () => {
    let stderr = '';
    expect(await runCli(['tracking', 'migrate', 'mlruns', 'postgresql://db/mlflow'], { stdout: () => undefined, stderr: (text) => (stderr += text), env: {}, cwd: '/' })).toBe(2);
    expect(stderr).toContain('must be a sqlite:/// URI');
  });
});
