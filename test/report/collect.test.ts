import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors.js';
import type { JobResult } from '../../src/pipeline/result.js';
import { collectRunReportData } from '../../src/report/collect.js';
import { openTracking } from '../../src/tracking/open.js';
import { LocalTableStore } from '../../src/workspace/local/tables.js';
import { LocalVolumeStore } from '../../src/workspace/local/volumes.js';
import type { Workspace } from '../../src/workspace/types.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { failedRun, succeededRun } from './sample-data.js';

const tempDir = useTempDirs();

async function localWorkspace(): Promise<Workspace> {
  const root = await tempDir();
  const { tracking, registry } = openTracking(join(root, 'mlruns'), { baseDir: root });
  return { kind: 'local', location: root, volumes: new LocalVolumeStore({ root }), tables: new LocalTableStore({ root }), tracking, registry };
}

/** A training run in the real file store with per-epoch loss and accuracy, logged out of order. */
async function trainingRun(workspace: Workspace): Promise<string> {
  const experimentId = await workspace.tracking.createExperiment('/Shared/report-test');
  const run = await workspace.tracking.createRun({ experimentId });
  const metric = (key: string, step: number, value: number, timestamp = 1000 + step) => ({ key, step, value, timestamp });
  await workspace.tracking.logBatch(run.runId, {
    metrics: [metric('loss', 2, 0.5), metric('loss', 0, 1.2), metric('loss', 1, 0.8), metric('loss', 2, 0.45, 5000), metric('accuracy', 0, 0.4), metric('accuracy', 1, 0.7), metric('test_accuracy', 3, 0.9)],
  });
  return run.runId;
}

describe('collectRunReportData', () => {
  it('reads the per-epoch history of the training run, one value per step in step order', async () => {
    const workspace = await localWorkspace();
    const runId = await trainingRun(workspace);
    const result: JobResult = succeededRun().result;
    result.training!.run_id = runId;
    const data = await collectRunReportData(result, workspace, { now: () => Date.UTC(2026, 0, 2), source: './data/landing' });
    expect(data.training_curves).toEqual({
      loss: [
        { step: 0, value: 1.2 },
        { step: 1, value: 0.8 },
        { step: 2, value: 0.45 }, // the later of the two values logged at step 2
      ],
      accuracy: [
        { step: 0, value: 0.4 },
        { step: 1, value: 0.7 },
      ],
    });
    expect(data.training_curves_note).toBeUndefined();
    expect(data.generated_at).toBe('2026-01-02T00:00:00.000Z');
    expect(data.source).toBe('./data/landing');
    expect(data.result.model?.version).toBe('2');
  });

  it('leaves the curves out with a note when the training run is gone', async () => {
    const workspace = await localWorkspace();
    const result: JobResult = succeededRun().result;
    result.training!.run_id = 'ffffffffffffffffffffffffffffffff';
    const data = await collectRunReportData(result, workspace);
    expect(data.training_curves).toEqual({});
    expect(data.training_curves_note).toMatch(/^the training run ffffffffffffffffffffffffffffffff was not found in file:\/\//);
  });

  it('drops the failure cause so the data is plain JSON, and needs no tracking store when nothing trained', async () => {
    const workspace = await localWorkspace();
    const result: JobResult = failedRun().result;
    result.failure = { ...result.failure!, cause: new MlopsError('NOT_FOUND', 'inner', { details: { secretish: 'x' } }) };
    const data = await collectRunReportData(result, workspace);
    expect(data.result.failure).toEqual({ stage: 'train', code: 'NOT_FOUND', message: failedRun().result.failure!.message });
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    expect(data.training_curves).toEqual({});
  });

  it('stops with ABORTED when the signal has fired', async () => {
    const workspace = await localWorkspace();
    const controller = new AbortController();
    controller.abort();
    await expect(collectRunReportData(succeededRun().result, workspace, { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
