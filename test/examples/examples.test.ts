import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../helpers/temp-dir.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const tempDir = useTempDirs();

/** Runs a compiled example as a user would: from another folder, importing 'mlops-e2e' by name. */
async function runExample(name: string): Promise<{ stdout: string; cwd: string }> {
  const cwd = await tempDir();
  const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'dist-examples', `${name}.js`)], { cwd, env: { PATH: process.env.PATH ?? '' } });
  return { stdout, cwd };
}

describe('examples/', () => {
  it('quick-start runs the whole pipeline', async () => {
    const { stdout, cwd } = await runExample('quick-start');
    expect(stdout).toContain('status: succeeded');
    expect(stdout).toMatch(/predictions: 150 rows in .*iris_predictions/);
    expect(stdout).toContain(cwd);
  });

  it('custom-config uses its variable, parameters and dry-run approval', async () => {
    const { stdout } = await runExample('custom-config');
    expect(stdout).toContain('model models:/sandbox.hp_iris_ml.irisclassifierdemo/1');
    expect(stdout).toMatch(/approval approved \(would be (approved|rejected) with the gate enabled\)/);
    expect(stdout).toContain('/tables/sandbox/hp_iris_ml/iris_predictions');
  });

  it('stage-hook sees every stage', async () => {
    const { stdout } = await runExample('stage-hook');
    expect(stdout.match(/^\[hook\] \w+ succeeded after \d+ ms$/gm)).toHaveLength(6);
    expect(stdout).toContain('status: succeeded');
  });
});
