import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run-cli.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function cli(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, cwd });
  return { code, stdout, stderr };
}

describe('mlops runs / models / run --resume', () => {
  it('lists and shows job runs and models, and resumes a failed run from the CLI', async () => {
    const cwd = await tempDir();
    expect((await cli(['runs', 'list'], cwd)).stdout).toContain('No job runs yet');

    // Training fails at run time: its data_path holds no ingested rows.
    const failed = await cli(['run', 'pipeline_job', '--json', '{"data_path":"/Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol/nothing"}'], cwd);
    expect(failed.code).toBe(1);
    const runId = /resume with  mlops run pipeline_job --resume ([0-9a-f]{32})/.exec(failed.stdout)?.[1];
    expect(runId, failed.stdout).toBeDefined();
    expect(failed.stderr).toContain(`mlops run pipeline_job --resume ${runId}`);

    const list = await cli(['runs', 'list', '-o', 'json'], cwd);
    expect(JSON.parse(list.stdout)).toMatchObject([{ run_id: runId, job: 'pipeline_job', target: 'dev', status: 'failed' }]);
    const show = await cli(['runs', 'show', runId!], cwd);
    expect(show.stdout).toMatch(/train\s+failed/);
    expect(show.stdout).toContain(`resume with: mlops run pipeline_job --resume ${runId}`);

    const resumed = await cli(['run', 'pipeline_job', '--resume', runId!, '--json', '{"data_path":"/Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol/ingested"}', '-o', 'json'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).stages[0]).toMatchObject({ name: 'ingest', resumed_from: runId });

    const table = await cli(['runs', 'list'], cwd);
    expect(table.stdout).toMatch(new RegExp(`${runId}\\s+pipeline_job\\s+dev\\s+succeeded`));

    // The stage runs are nested under the job run, the resumed stages' too: indented under it in the list…
    const job = JSON.parse(resumed.stdout) as { ingestion: { run_id: string }; training: { run_id: string }; evaluation: { run_id: string } };
    const [ingestRun, trainRun, evaluateRun] = [job.ingestion.run_id, job.training.run_id, job.evaluation.run_id];
    expect(table.stdout).toMatch(
      new RegExp(`${runId}\\s+pipeline_job.*\\n├─ ${ingestRun}\\s+ingest\\s+dev\\s+finished.*\\n├─ ${trainRun}\\s+train\\s+dev\\s+finished.*\\n└─ ${evaluateRun}\\s+evaluate\\s+dev\\s+finished`),
    );
    // …as children in -o json, whose earlier fields are unchanged…
    const listed = JSON.parse((await cli(['runs', 'list', '-o', 'json'], cwd)).stdout);
    expect(listed).toMatchObject([{ run_id: runId, job: 'pipeline_job', parent_run_id: null }]);
    expect(listed[0].children.map((c: { run_id: string; stage: string; parent_run_id: string }) => [c.run_id, c.stage, c.parent_run_id])).toEqual([
      [ingestRun, 'ingest', runId],
      [trainRun, 'train', runId],
      [evaluateRun, 'evaluate', runId],
    ]);
    // …on their own with --parent…
    const children = await cli(['runs', 'list', '--parent', runId!], cwd);
    expect(children.stdout.split('\n').slice(1, 4).map((line) => line.split(/\s+/).slice(0, 2))).toEqual([
      [ingestRun, 'ingest'],
      [trainRun, 'train'],
      [evaluateRun, 'evaluate'],
    ]);
    expect((await cli(['runs', 'list', '--parent', ingestRun, '-o', 'json'], cwd)).stdout).toBe('[]\n');
    // …and `runs show` lists a job run's nested runs and names a stage run's parent.
    const shown = await cli(['runs', 'show', runId!], cwd);
    expect(shown.stdout).toMatch(new RegExp(`nested runs:\\n\\s+${ingestRun}\\s+ingest\\s+finished.*\\n\\s+${trainRun}\\s+train\\s+finished.*\\n\\s+${evaluateRun}\\s+evaluate\\s+finished`));
    const shownJson = JSON.parse((await cli(['runs', 'show', runId!, '-o', 'json'], cwd)).stdout);
    expect(shownJson.children.map((c: { run_id: string }) => c.run_id)).toEqual([ingestRun, trainRun, evaluateRun]);
    const stageRun = await cli(['runs', 'show', trainRun], cwd);
    expect(stageRun.stdout).toContain(`— train stage run on dev: finished`);
    expect(stageRun.stdout).toContain(`nested under run ${runId} (e2e-pipeline-dev, pipeline_job)`);
    expect(JSON.parse((await cli(['runs', 'show', trainRun, '-o', 'json'], cwd)).stdout)).toMatchObject({ run_id: trainRun, parent_run_id: runId, children: [] });

    const models = await cli(['models', 'list'], cwd);
    expect(models.stdout).toMatch(/hp_az_catalog\.hp_iris_ml\.irisclassifierdemo\s+1\s+1\s+champion→1/);
    const model = await cli(['models', 'show', 'hp_az_catalog.hp_iris_ml.irisclassifierdemo'], cwd);
    expect(model.stdout).toMatch(/\n1\s+champion\s+champion · approved\s/);
  });

  it('answers usage errors with the help and exit 2', async () => {
    const cwd = await tempDir();
    const r = await cli(['runs', 'frobnicate'], cwd);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('mlops runs list');
    expect((await cli(['runs', 'show', 'abc', '--parent', 'def'], cwd)).code).toBe(2);
    const unknownParent = await cli(['runs', 'list', '--parent', 'f'.repeat(32)], cwd);
    expect(unknownParent.code).toBe(1);
    expect(unknownParent.stderr).toContain('f'.repeat(32));
    expect((await cli(['models', 'show'], cwd)).code).toBe(2);
    expect((await cli(['models', 'show', 'no.such.model'], cwd)).stderr).toContain('no.such.model');
  });
});
