import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../helpers/temp-dir.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const tempDir = useTempDirs();
const run = promisify(execFile);

describe('npm run example -- <name>', () => {
  it('runs an example as the README says, on plain Node 20, in the folder npm was started from', async () => {
    const cwd = await tempDir();
    // `npm --prefix` is `npm run` from the repository, started in another folder (INIT_CWD).
    const { stdout } = await run('npm', ['--prefix', repoRoot, 'run', 'example', '--silent', '--', 'stage-hook'], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd } });
    expect(stdout.match(/^\[hook\] \w+ succeeded after \d+ ms$/gm)).toHaveLength(6);
    expect(stdout).toContain('status: succeeded');
    expect(await readdir(join(cwd, '.mlops'))).toContain('mlflow.db');
  }, 400_000);

  it('lists the examples when the name is missing or unknown (exit 2)', async () => {
    const failed = await run(process.execPath, [join(repoRoot, 'scripts', 'run-example.mjs'), 'no-such-example']).catch((error: { code: number; stderr: string }) => error);
    expect((failed as { code: number }).code).toBe(2);
    const names = (await readdir(join(repoRoot, 'examples'))).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) expect((failed as { stderr: string }).stderr).toContain(name);
  });
});
