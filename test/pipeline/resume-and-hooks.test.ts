import { readdir, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StageName } from '../../src/config/types.js';
import { acquireWorkspaceLock } from '../../src/pipeline/lock.js';
import { RESUME_CHANGES_TAG } from '../../src/pipeline/execute-job.js';
import { runJob, runPipeline } from '../../src/run.js';
import { openTracking } from '../../src/tracking/open.js';
import { childRuns } from '../../src/tracking/nested-runs.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('resuming a failed job run', () => {
  it('skips the stages that succeeded and reruns from the one that failed', async () => {
    const cwd = await tempDir();
    // A failure no validation can foresee: training reads a folder that holds no ingested rows.
    const ingested = '/Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol/ingested';
    const failed = await runPipeline({ load: { cwd, env: {} }, json: { data_path: `${ingested}_elsewhere` } });
    expect(failed.status).toBe('failed');
    expect(failed.failure).toMatchObject({ stage: 'train', code: 'NOT_FOUND' });
    expect(failed.stages.map((s) => s.status)).toEqual(['succeeded', 'failed', 'skipped', 'skipped', 'skipped', 'skipped']);

    const { tracking } = openTracking(`sqlite:///${join(cwd, '.mlops', 'mlflow.db')}`, { baseDir: cwd });
    expect((await tracking.getRun(failed.run_id)).info.status).toBe('FAILED');

    // A bad override is refused before the run is touched; a changed parameter is accepted and recorded.
    await expect(runPipeline({ load: { cwd, env: {} }, resume: failed.run_id, json: { data_path: ingested, epochs: 'many' } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('parameter "epochs"'),
    });
    expect((await tracking.getRun(failed.run_id)).info.status).toBe('FAILED');
    const resumed = await runPipeline({ load: { cwd, env: {} }, resume: failed.run_id, json: { data_path: ingested } });
    expect(resumed.status).toBe('succeeded');
    const changes = JSON.parse((await tracking.getRun(failed.run_id)).data.tags[RESUME_CHANGES_TAG]!);
    expect(changes).toEqual({ data_path: { from: `${ingested}_elsewhere`, to: ingested } });
    const recorded = await tracking.listArtifacts(failed.run_id, 'job/resumed');
    expect(recorded).toHaveLength(1);
    expect(resumed.run_id).toBe(failed.run_id);
    expect(resumed.stages[0]).toMatchObject({ name: 'ingest', status: 'succeeded', resumed_from: failed.run_id });
    // The ingestion facts come from the first attempt: nothing was ingested twice.
    expect(resumed.ingestion).toMatchObject({ files_ingested: 3, rows_written: 150 });
    expect(resumed.model?.version).toBe('1');
    expect(resumed.predictions?.rows).toBe(150);
    const run = await tracking.getRun(failed.run_id);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.tags['mlops.job_status']).toBe('succeeded');

    // The stages run again are nested under the resumed job run, beside the first attempt's: no other parent exists.
    const experimentIds = (await tracking.searchExperiments()).items.map((e) => e.experimentId);
    const children = await childRuns(tracking, failed.run_id, { experimentIds });
    expect(children.map((child) => child.info.runId)).toEqual(expect.arrayContaining([failed.ingestion!.run_id, resumed.training!.run_id, resumed.evaluation!.run_id]));
    const nested = await tracking.searchRuns({ experimentIds, filter: "tags.`mlflow.parentRunId` != ''" });
    expect(nested.items.map((r) => r.info.runId).sort()).toEqual(children.map((child) => child.info.runId).sort());
  });

  it('refuses to resume a run that succeeded, or with the wrong job', async () => {
    const cwd = await tempDir();
    const ok = await runJob({ job: 'data_ingestion_job', load: { cwd, env: {} } });
    expect(ok.status).toBe('succeeded');
    await expect(runJob({ job: 'data_ingestion_job', load: { cwd, env: {} }, resume: ok.run_id })).rejects.toThrow(/already succeeded/);
    await expect(runJob({ job: 'pipeline_job', load: { cwd, env: {} }, resume: ok.run_id })).rejects.toThrow(/is a data_ingestion_job run/);
  });
});

describe('stage hooks', () => {
  it('are called around every stage with its record', async () => {
    const cwd = await tempDir();
    const seen: string[] = [];
    const result = await runJob({
      job: 'data_ingestion_job',
      load: { cwd, env: {} },
      hooks: {
        beforeStage: ({ stage, parameters }) => void seen.push(`before ${stage} ${parameters.format}`),
        afterStage: ({ stage, record, state }) => void seen.push(`after ${stage} ${record.status} ${state.ingestion?.rows_written}`),
      },
    });
    expect(result.status).toBe('succeeded');
    expect(seen).toEqual(['before ingest auto', 'after ingest succeeded 150']);
  });

  it('fail the stage when they throw', async () => {
    const cwd = await tempDir();
    const result = await runJob({
      job: 'data_ingestion_job',
      load: { cwd, env: {} },
      hooks: {
        beforeStage: ({ stage }: { stage: StageName }) => {
          throw new Error(`policy forbids ${stage} on Fridays`);
        },
      },
    });
    expect(result.status).toBe('failed');
    expect(result.failure?.message).toBe('policy forbids ingest on Fridays');
    expect(await readdir(join(cwd, '.mlops')).then((names) => names.includes('Volumes'))).toBe(false);
  });
});

describe('the workspace lock', () => {
  it('stops a second job on the same workspace while the first holds it', async () => {
    const cwd = await tempDir();
    const release = await acquireWorkspaceLock(join(cwd, '.mlops'), 'test');
    await expect(runJob({ job: 'data_ingestion_job', load: { cwd, env: {} } })).rejects.toMatchObject({ code: 'LOCKED' });
    await release();
    expect((await runJob({ job: 'data_ingestion_job', load: { cwd, env: {} } })).status).toBe('succeeded');
  });

  it('takes over a lock left by a process that died', async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, '.mlops'), { recursive: true });
    // pid 2^22+1 is above Linux's default pid_max, so no live process has it.
    await writeFile(join(cwd, '.mlops', '.lock'), JSON.stringify({ pid: 4194305, owner: 'crashed', since: 'earlier' }));
    expect((await runJob({ job: 'data_ingestion_job', load: { cwd, env: {} } })).status).toBe('succeeded');
  });
});
