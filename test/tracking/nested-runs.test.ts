import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTrackingStore } from '../../src/tracking/file-store/tracking-file-store.js';
import { childRuns, childRunsByParent, PARENT_RUN_ID_TAG, parentRunIdOf } from '../../src/tracking/nested-runs.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

/**
 * Two experiments: parent A (t=100) with children a1 (t=110, same experiment) and a2 (t=120, the other
 * experiment) and a grandchild under a1; parent B (t=200) with child b1 (t=210); an unrelated top-level run.
 */
async function nestedStore() {
  const tracking = new FileTrackingStore({ root: join(await tempDir(), 'mlruns') });
  const jobs = await tracking.createExperiment('jobs');
  const other = await tracking.createExperiment('other');
  const run = async (experimentId: string, runName: string, startTime: number, parent?: string) =>
    (await tracking.createRun({ experimentId, runName, startTime, ...(parent ? { tags: { [PARENT_RUN_ID_TAG]: parent } } : {}) })).runId;
  const a = await run(jobs, 'A', 100);
  const a1 = await run(jobs, 'a1', 110, a);
  const a2 = await run(other, 'a2', 120, a);
  const grandchild = await run(other, 'a1.1', 115, a1);
  const b = await run(jobs, 'B', 200);
  const b1 = await run(jobs, 'b1', 210, b);
  const loose = await run(jobs, 'loose', 150);
  return { tracking, experimentIds: [jobs, other], ids: { a, a1, a2, grandchild, b, b1, loose } };
}

describe('childRuns', () => {
  it('finds the runs nested directly under a run, across experiments, oldest first', async () => {
    const { tracking, experimentIds, ids } = await nestedStore();
    expect((await childRuns(tracking, ids.a, { experimentIds })).map((r) => r.info.runId)).toEqual([ids.a1, ids.a2]);
    expect((await childRuns(tracking, ids.a1, { experimentIds })).map((r) => r.info.runId)).toEqual([ids.grandchild]);
    expect(await childRuns(tracking, ids.loose, { experimentIds })).toEqual([]);
    expect((await childRuns(tracking, ids.a, { experimentIds, maxResults: 1 })).map((r) => r.info.runId)).toEqual([ids.a1]);
    // Only where it is told to look: the child in the other experiment is not found without it.
    expect((await childRuns(tracking, ids.a, { experimentIds: [experimentIds[0]!] })).map((r) => r.info.runId)).toEqual([ids.a1]);
  });
});

describe('childRunsByParent', () => {
  it('groups the nested runs of several parents with one search, leaving out other nesting', async () => {
    const { tracking, experimentIds, ids } = await nestedStore();
    const parents = await Promise.all([ids.b, ids.a].map((id) => tracking.getRun(id)));
    const byParent = await childRunsByParent(tracking, parents, { experimentIds });
    expect([...byParent.keys()]).toEqual([ids.b, ids.a]);
    expect(byParent.get(ids.a)!.map((r) => r.info.runId)).toEqual([ids.a1, ids.a2]);
    expect(byParent.get(ids.b)!.map((r) => r.info.runId)).toEqual([ids.b1]);

    const onlyB = await childRunsByParent(tracking, [parents[0]!], { experimentIds });
    expect([...onlyB.entries()].map(([id, runs]) => [id, runs.map((r) => r.info.runId)])).toEqual([[ids.b, [ids.b1]]]);
    expect(await childRunsByParent(tracking, [], { experimentIds })).toEqual(new Map());
  });
});

describe('parentRunIdOf', () => {
  it('reads the parent tag; a top-level run has none', async () => {
    const { tracking, ids } = await nestedStore();
    expect(parentRunIdOf(await tracking.getRun(ids.a2))).toBe(ids.a);
    expect(parentRunIdOf(await tracking.getRun(ids.a))).toBeUndefined();
  });
});
