import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const repoRoot = join(import.meta.dirname, '..', '..');

async function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd });
  return { code, stdout, stderr };
}

/** A project as a user has it: mlops.yml and the landing files, nothing run yet. */
async function project(): Promise<string> {
  const dir = await tempDir();
  await cp(join(repoRoot, 'mlops.yml'), join(dir, 'mlops.yml'));
  await cp(join(repoRoot, 'data', 'landing'), join(dir, 'data', 'landing'), { recursive: true });
  return dir;
}

describe('which config, target and workspace a command uses', () => {
  it('says so on the first line, from the project folder or any folder below it', async () => {
    const dir = await project();
    for (const cwd of [dir, join(dir, 'data', 'landing')]) {
      const shown = await cli(['config', 'show'], cwd);
      expect(shown.code).toBe(0);
      expect(shown.stderr.split('\n')[0]).toBe(`using ${join(dir, 'mlops.yml')} · target dev · workspace ${join(dir, '.mlops')}`);
      expect(JSON.parse(shown.stdout).configPath).toBe(join(dir, 'mlops.yml'));
    }
  });

  it('names the bundled config when no folder up to the root has an mlops.yml', async () => {
    const empty = await tempDir();
    const shown = await cli(['config', 'show', '--target', 'dev'], empty);
    expect(shown.stderr.split('\n')[0]).toBe(`using the bundled config (no mlops.yml in ${empty} or its parents) · target dev · workspace ${join(empty, '.mlops')}`);
  });

  it('read-only commands create no store, in a project or outside one', async () => {
    const dir = await project();
    const sub = join(dir, 'data');
    const listed = await cli(['runs', 'list'], sub);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`No job runs yet in the workspace ${join(dir, '.mlops')}`);
    expect((await cli(['models', 'list', '-o', 'json'], sub)).stdout).toBe('[]\n');
    const status = await cli(['ingest', 'status'], sub);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/next run\s+3 new/);
    const shown = await cli(['models', 'show', 'a.b.c'], sub);
    expect(shown.code).toBe(1);
    expect(shown.stderr).toContain('Model a.b.c not found: nothing has run in the workspace');
    expect(await readdir(dir)).toEqual(['data', 'mlops.yml']);
    expect(await readdir(sub)).toEqual(['landing']);
  });

  it('a tracking URI that does not exist is an error naming it, not an empty store', async () => {
    const dir = await project();
    const typo = join(dir, 'mlrnus');
    const listed = await cli(['runs', 'list'], dir, { MLFLOW_TRACKING_URI: typo });
    expect(listed.code).toBe(2);
    expect(listed.stderr).toContain(`Tracking store ${typo} (from MLFLOW_TRACKING_URI) does not exist`);
    expect((await cli(['ingest', 'status'], dir, { MLFLOW_TRACKING_URI: typo })).code).toBe(2);
    expect(await readdir(dir)).toEqual(['data', 'mlops.yml']);
  });

  it('a folder named mlops.yml or a YAML alias bomb stops every command with exit 2 before any run exists', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'mlops.yml'));
    const folder = await cli(['run', 'pipeline_job'], dir);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`${join(dir, 'mlops.yml')} is a directory`);

    const bomb = await tempDir();
    const lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let level = 1; level <= 8; level++) lines.push(`${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(9).fill(`*${String.fromCharCode(96 + level)}`).join(', ')}]`);
    await writeFile(join(bomb, 'mlops.yml'), `${lines.join('\n')}\n`);
    const exploded = await cli(['run', 'pipeline_job'], bomb);
    expect(exploded.code).toBe(2);
    expect(exploded.stderr).toContain(`Invalid YAML in ${join(bomb, 'mlops.yml')}`);
    expect(await readdir(dir)).toEqual(['mlops.yml']);
    expect(await readdir(bomb)).toEqual(['mlops.yml']);
  });

  it('a file named on the command line resolves against the current folder', async () => {
    const dir = await project();
    expect((await cli(['run', 'data_ingestion_job', '-q'], dir)).code).toBe(0);
    const replayed = await cli(['ingest', 'replay', 'landing/iris_part_002.csv', '-q'], join(dir, 'data'));
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toMatch(/^replayed 1 file\(s\): 50 row\(s\) written/);
    // The name as `ingest status` shows it (relative to source_path) still works from anywhere.
    expect((await cli(['ingest', 'replay', 'iris_part_002.csv', '-q'], dir)).code).toBe(0);
  });
});
