import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findCachedOutput, recordCachedOutput } from '../../src/pipeline/step-cache-store.js';
import { STEP_CACHE_KEY_TAG, STEP_OUTPUT_ARTIFACT } from '../../src/pipeline/step-cache.js';
import { BACKENDS, openBackend, type Backend } from '../tracking/backends.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe.each(BACKENDS)('the step cache over the %s', (kind) => {
  let backend: Backend;
  beforeEach(async () => {
    backend = await openBackend(kind, await tempDir());
  });
  afterEach(async () => backend?.close());

  it('finds a recorded output by its key with a tag search, and nothing for another key or experiment', async () => {
    const { tracking } = backend;
    const experimentId = await tracking.createExperiment('/cache/train');
    await tracking.createExperiment('/cache/other');
    const key = 'd'.repeat(64);
    const older = await tracking.createRun({ experimentId, startTime: 1000 });
    await tracking.updateRun(older.runId, { status: 'FINISHED', endTime: 1001 });
    await recordCachedOutput(tracking, older.runId, key, { run_id: older.runId, model: { version: '1' } });
    const newer = await tracking.createRun({ experimentId, startTime: 2000 });
    await tracking.updateRun(newer.runId, { status: 'FINISHED', endTime: 2001 });
    await recordCachedOutput(tracking, newer.runId, key, { run_id: newer.runId, model: { version: '2' } });
    // A run that failed after its key was set is never reused.
    const failed = await tracking.createRun({ experimentId, startTime: 3000 });
    await recordCachedOutput(tracking, failed.runId, key, { run_id: failed.runId });
    await tracking.updateRun(failed.runId, { status: 'FAILED', endTime: 3001 });

    expect((await tracking.getRun(newer.runId)).data.tags[STEP_CACHE_KEY_TAG]).toBe(key);
    const found = await findCachedOutput(tracking, '/cache/train', key);
    expect(found).toEqual({ runId: newer.runId, output: { run_id: newer.runId, model: { version: '2' } } });
    expect(await findCachedOutput(tracking, '/cache/train', 'e'.repeat(64))).toBeUndefined();
    expect(await findCachedOutput(tracking, '/cache/other', key)).toBeUndefined();
    expect(await findCachedOutput(tracking, '/cache/absent', key)).toBeUndefined();
  });

  it('treats a tagged run whose output is not its own as a miss', async () => {
    const { tracking } = backend;
    const experimentId = await tracking.createExperiment('/cache/mismatch');
    const key = 'f'.repeat(64);
    const run = await tracking.createRun({ experimentId, startTime: 1000 });
    await tracking.logArtifact(run.runId, STEP_OUTPUT_ARTIFACT, JSON.stringify({ run_id: 'someone-else' }));
    await tracking.setTag(run.runId, STEP_CACHE_KEY_TAG, key);
    await tracking.updateRun(run.runId, { status: 'FINISHED', endTime: 1001 });
    expect(await findCachedOutput(tracking, '/cache/mismatch', key)).toBeUndefined();
  });
});
