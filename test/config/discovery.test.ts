import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProjectConfig, loadConfig } from '../../src/config/load.js';
import { MlopsError } from '../../src/errors.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

const repoConfig = readFileSync(join(import.meta.dirname, '..', '..', 'mlops.yml'), 'utf8');
/** The repository's mlops.yml under another bundle name, with its dev workspace in .state. */
const MINIMAL = repoConfig.replace('name: hp-mlops-e2e', 'name: found').replace('workspace: { root: .mlops }', 'workspace: { root: .state }');

describe('config discovery', () => {
  it('finds the nearest mlops.yml in the folder or its parents, as git finds .git', async () => {
    const project = await tempDir();
    await writeFile(join(project, 'mlops.yml'), MINIMAL);
    const deep = join(project, 'data', 'landing', '2024');
    await mkdir(deep, { recursive: true });
    expect(await findProjectConfig(deep)).toBe(join(project, 'mlops.yml'));
    const config = await loadConfig({ cwd: deep, env: {} });
    expect(config.configPath).toBe(join(project, 'mlops.yml'));
    expect(config.bundle.name).toBe('found');
    // The workspace stays the project's, wherever the command was started.
    expect(config.workspace).toEqual({ type: 'local', root: join(project, '.state') });

    // A nearer one wins.
    await writeFile(join(project, 'data', 'mlops.yml'), MINIMAL.replace('found', 'nearer'));
    expect((await loadConfig({ cwd: deep, env: {} })).bundle.name).toBe('nearer');
  });

  it('uses the bundled config only where no folder up to the root has one', async () => {
    const empty = await tempDir();
    expect(await findProjectConfig(empty)).toBeUndefined();
    const config = await loadConfig({ cwd: empty, env: {} });
    expect(config.configPath).toBeUndefined();
    expect(config.workspace).toEqual({ type: 'local', root: join(empty, '.mlops') });
  });

  it('refuses a folder named mlops.yml instead of falling back to the bundled config (exit-2 configuration error)', async () => {
    const project = await tempDir();
    await mkdir(join(project, 'mlops.yml'));
    const error = await loadConfig({ cwd: join(project), env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlopsError);
    expect((error as MlopsError).code).toBe('CONFIG_INVALID');
    expect((error as MlopsError).message).toContain(`${join(project, 'mlops.yml')} is a directory`);
  });

  it('stops a YAML alias bomb with a configuration error naming the file', async () => {
    const project = await tempDir();
    const lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let level = 1; level <= 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    const file = join(project, 'mlops.yml');
    await writeFile(file, `${lines.join('\n')}\n${MINIMAL}`);
    const started = performance.now();
    const error = await loadConfig({ cwd: project, env: {} }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(MlopsError);
    expect((error as MlopsError).code).toBe('CONFIG_INVALID');
    expect((error as MlopsError).message).toContain(file);
    expect((error as MlopsError).message).toContain('alias');
  });
});
