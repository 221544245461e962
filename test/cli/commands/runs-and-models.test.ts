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

    const failed = await cli(['run', 'pipeline_job', '--json', '{"learning_rate":"-1"}'], cwd);
    expect(failed.code).toBe(1);
    const runId = /resume with  mlops run pipeline_job --resume ([0-9a-f]{32})/.exec(failed.stdout)?.[1];
    expect(runId, failed.stdout).toBeDefined();
    expect(failed.stderr).toContain(`mlops run pipeline_job --resume ${runId}`);

    const list = await cli(['runs', 'list', '-o', 'json'], cwd);
    expect(JSON.parse(list.stdout)).toMatchObject([{ run_id: runId, job: 'pipeline_job', target: 'dev', status: 'failed' }]);
    const show = await cli(['runs', 'show', runId!], cwd);
    expect(show.stdout).toMatch(/train\s+failed/);
    expect(show.stdout).toContain(`resume with: mlops run pipeline_job --resume ${runId}`);

    const resumed = await cli(['run', 'pipeline_job', '--resume', runId!, '--json', '{"learning_rate":"0.05"}', '-o', 'json'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).stages[0]).toMatchObject({ name: 'ingest', resumed_from: runId });

    const table = await cli(['runs', 'list'], cwd);
    expect(table.stdout).toMatch(new RegExp(`${runId}\\s+pipeline_job\\s+dev\\s+succeeded`));

    const models = await cli(['models', 'list'], cwd);
    expect(models.stdout).toMatch(/hp_az_catalog\.hp_iris_ml\.irisclassifierdemo\s+1\s+1\s+champion→1/);
    const model = await cli(['models', 'show', 'hp_az_catalog.hp_iris_ml.irisclassifierdemo'], cwd);
    expect(model.stdout).toMatch(/\n1\s+champion\s+approved/);
  });

  it('answers usage errors with the help and exit 2', async () => {
    const cwd = await tempDir();
    const r = await cli(['runs', 'frobnicate'], cwd);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('mlops runs list');
    expect((await cli(['models', 'show'], cwd)).code).toBe(2);
    expect((await cli(['models', 'show', 'no.such.model'], cwd)).stderr).toContain('no.such.model');
  });
});
