import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../helpers/temp-dir.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const tempDir = useTempDirs();

describe('examples/quick-start.ts', () => {
  it('runs as a user would run it: importing mlops-e2e, from another folder', async () => {
    const cwd = await tempDir();
    const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'dist-examples', 'quick-start.js')], { cwd, env: { PATH: process.env.PATH ?? '' } });
    expect(stdout).toContain('status: succeeded');
    expect(stdout).toMatch(/predictions: 150 rows in .*iris_predictions/);
    expect(stdout).toContain(cwd);
  });
});
