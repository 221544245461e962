import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTrackingStore } from '../../src/tracking/file-store/tracking-file-store.js';
import { MAX_METRICS_PER_BATCH, getOrCreateExperiment, logMetrics, withRun } from '../../src/tracking/with-run.js';
import type { LogBatchInput, TrackingStore } from '../../src/tracking/types.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function store(): Promise<FileTrackingStore> {
  return new FileTrackingStore({ root: join(await tempDir(), 'mlruns') });
}

describe('getOrCreateExperiment', () => {
  it('creates once, then finds the same experiment', async () => {
    const tracking = await store();
    const a = await getOrCreateExperiment(tracking, '/Shared/demo');
    const b = await getOrCreateExperiment(tracking, '/Shared/demo');
    expect(b.experimentId).toBe(a.experimentId);
    expect(a.name).toBe('/Shared/demo');
  });
});

describe('withRun', () => {
  it('finishes the run when the body returns', async () => {
    const tracking = await store();
    const exp = await getOrCreateExperiment(tracking, 'e');
    let t = 1000;
    const runId = await withRun(tracking, { experimentId: exp.experimentId, runName: 'ok', now: () => t++ }, async (run) => run.runId);
    const run = await tracking.getRun(runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.runName).toBe('ok');
    expect(run.info.endTime).toBeGreaterThan(run.info.startTime);
  });

  it('nests the run under parentRunId with the mlflow.parentRunId tag from creation on, and leaves a run without one top-level', async () => {
    const tracking = await store();
    const exp = await getOrCreateExperiment(tracking, 'e');
    const parent = await tracking.createRun({ experimentId: exp.experimentId, runName: 'parent' });
    let tagsWhileRunning: Record<string, string> = {};
    const childId = await withRun(tracking, { experimentId: exp.experimentId, runName: 'child', tags: { stage: 'x' }, parentRunId: parent.runId, now: Date.now }, async (run) => {
      tagsWhileRunning = (await tracking.getRun(run.runId)).data.tags;
      return run.runId;
    });
    expect(tagsWhileRunning).toMatchObject({ 'mlflow.parentRunId': parent.runId, stage: 'x' });
    expect((await tracking.getRun(childId)).data.tags['mlflow.parentRunId']).toBe(parent.runId);
    const topLevelId = await withRun(tracking, { experimentId: exp.experimentId, runName: 'alone', parentRunId: undefined, now: Date.now }, async (run) => run.runId);
    expect((await tracking.getRun(topLevelId)).data.tags).not.toHaveProperty('mlflow.parentRunId');
  });

  it('marks the run FAILED and rethrows the original error', async () => {
    const tracking = await store();
    const exp = await getOrCreateExperiment(tracking, 'e');
    let seen = '';
    await expect(
      withRun(tracking, { experimentId: exp.experimentId, runName: 'boom', now: Date.now }, async (run) => {
        seen = run.runId;
        throw new Error('stage exploded');
      }),
    ).rejects.toThrow('stage exploded');
    expect((await tracking.getRun(seen)).info.status).toBe('FAILED');
  });
});

describe('logMetrics', () => {
  it('splits into batches of at most MLflow\'s 1000 metrics', async () => {
    const tracking = await store();
    const exp = await getOrCreateExperiment(tracking, 'e');
    const run = await tracking.createRun({ experimentId: exp.experimentId });
    const sizes: number[] = [];
    const counting: TrackingStore = Object.create(tracking, {
      logBatch: { value: (id: string, batch: LogBatchInput) => (sizes.push(batch.metrics?.length ?? 0), tracking.logBatch(id, batch)) },
    });
    const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
    await logMetrics(counting, run.runId, metrics);
    expect(sizes).toEqual([MAX_METRICS_PER_BATCH, MAX_METRICS_PER_BATCH, 500]);
    expect(await tracking.getMetricHistory(run.runId, 'm')).toHaveLength(2500);
  });
});
