import { FileModelRegistry } from '../../../src/tracking/file-store/registry-file-store.js';
import { FileTrackingStore } from '../../../src/tracking/file-store/tracking-file-store.js';
import type { ModelRegistry, TrackingStore } from '../../../src/tracking/types.js';

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

