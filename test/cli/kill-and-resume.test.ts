import { spawn } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const repoRoot = join(import.meta.dirname, '..', '..');

async function cli(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, cwd });
  return { code, stdout, stderr };
}

/** Starts the built CLI and kills it (SIGKILL: no handler runs) once stderr shows `until`. */
function killWhen(args: string[], cwd: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli', 'main.js'), ...args], { cwd, env: { PATH: process.env.PATH ?? '', CI: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    // Never wait forever: a child that never shows `until` is stopped and the test fails with its output.
    const guard = setTimeout(() => child.kill('SIGTERM'), 120_000);
    child.on('exit', () => clearTimeout(guard));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (until.test(stderr)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(stderr) : reject(new Error(`exited ${code} before it could be killed:\n${stderr}`))));
  });
}

describe('a job run whose process is killed (kill -9)', () => {
  it('is shown as failed (killed), with its stage run, and resumes from the stage it was in', async () => {
    const cwd = await tempDir();
    await cp(join(repoRoot, 'mlops.yml'), join(cwd, 'mlops.yml'));
    await cp(join(repoRoot, 'data', 'landing'), join(cwd, 'data', 'landing'), { recursive: true });

    // Mid-training: the progress line has shown an epoch with its loss.
    const stderr = await killWhen(['run', 'pipeline_job', '--json', '{"epochs":"100000"}'], cwd, /train: \d+\/100k epochs.* · loss \d/);
    expect(stderr.split('\n')[0]).toBe(`using ${join(cwd, 'mlops.yml')} · target dev · workspace ${join(cwd, '.mlops')}`);

    const listed = await cli(['runs', 'list', '-o', 'json'], cwd);
    const [job] = JSON.parse(listed.stdout) as { run_id: string; status: string; killed?: string; children: { stage: string; status: string; killed?: string }[] }[];
    expect(job).toMatchObject({ job: 'pipeline_job', status: 'failed' });
    expect(job!.killed).toMatch(/^its process \(pid \d+ on .+\) is gone$/);
    expect(job!.children.map((c) => [c.stage, c.status])).toEqual([
      ['ingest', 'finished'],
      ['train', 'failed'],
    ]);
    const table = await cli(['runs', 'list'], cwd);
    expect(table.stdout).toMatch(new RegExp(`${job!.run_id}\\s+pipeline_job\\s+dev\\s+failed \\(killed\\)`));
    const shown = await cli(['runs', 'show', job!.run_id], cwd);
    expect(shown.stdout).toMatch(/ingest\s+succeeded/);
    expect(shown.stdout).toContain(`resume with: mlops run pipeline_job --resume ${job!.run_id}`);

    const resumed = await cli(['run', 'pipeline_job', '--resume', job!.run_id, '--json', '{"epochs":"20"}', '-o', 'json', '-q'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout) as { status: string; stages: { name: string; status: string; resumed_from?: string }[] };
    expect(result.status).toBe('succeeded');
    expect(result.stages[0]).toMatchObject({ name: 'ingest', resumed_from: job!.run_id });
    expect(result.stages.slice(1).map((s) => [s.name, s.status, s.resumed_from])).toEqual(
      ['train', 'evaluate', 'approve', 'deploy', 'score'].map((name) => [name, 'succeeded', undefined]),
    );
    // The killed process's train run stays failed (killed) under the job run that has since succeeded.
    const after = JSON.parse((await cli(['runs', 'list', '-o', 'json'], cwd)).stdout) as { status: string; children: { stage: string; status: string }[] }[];
    expect(after[0]!.status).toBe('succeeded');
    expect(after[0]!.children.filter((c) => c.stage === 'train').map((c) => c.status).sort()).toEqual(['failed', 'finished']);
  }, 180_000);
});
