import { execFile } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useFakeDatabricks } from '../fakes/databricks/helpers.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const repoRoot = join(import.meta.dirname, '..', '..');

describe('examples/databricks-target.ts', () => {
  const startFake = useFakeDatabricks();
  const tempDir = useTempDirs();

  it('runs the prod target against a workspace (the fake Databricks server)', async () => {
    const fake = await startFake();
    fake.uc.storageMode = 'DEFAULT_STORAGE';
    const project = await tempDir();
    const yml = (await readFile(join(repoRoot, 'mlops.yml'), 'utf8'))
      .replace(/host: https:\/\/adb-[^\s]+/, `host: ${fake.url}`)
      .replace(/\n\s*profile: hp-mlops/, '')
      .replace(/warehouse_id: "[^"]*"/, `warehouse_id: "${fake.warehouseId}"`);
    await writeFile(join(project, 'mlops.yml'), yml);
    await cp(join(repoRoot, 'data', 'landing'), join(project, 'data', 'landing'), { recursive: true });
    // execFile, not execFileSync: the fake server lives in this process and must keep answering.
    const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'dist-examples', 'databricks-target.js')], {
      cwd: project,
      env: { PATH: process.env.PATH ?? '', HOME: project, DATABRICKS_TOKEN: fake.token },
    });
    expect(stdout).toContain(`workspace ${fake.url}`);
    expect(stdout).toContain('status: succeeded');
    expect(stdout).toContain('predictions: 150 rows in hp_az_catalog.hp_iris_ml.iris_predictions');
  });
});
