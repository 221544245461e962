import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run-cli.js';
import { openTracking } from '../../../src/tracking/open.js';
import { fillFileStore, snapshot } from './fill-file-store.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('mlops tracking migrate', () => {
  it('copies a file store into a new SQLite database, every id, history, tag, version and alias kept', async () => {
    const dir = await tempDir();
    const mlruns = join(dir, 'mlruns');
    const { experimentIds, runIds } = await fillFileStore(mlruns);
    let stdout = '';
    const code = await runCli(['tracking', 'migrate', mlruns, `sqlite:///${join(dir, 'mlflow.db')}`, '-q'], { stdout: (text) => (stdout += text), stderr: () => undefined, env: {}, cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toContain('3 experiment(s), 3 run(s), 18 metric value(s), 6 param(s)');
    expect(stdout).toContain('2 registered model(s), 2 version(s), 2 alias(es)');
    const file = openTracking(mlruns, { baseDir: dir });
    const sqlite = openTracking(`sqlite:///${join(dir, 'mlflow.db')}`, { baseDir: dir });
    const before = await snapshot(file.tracking, file.registry, experimentIds, runIds);
    const after = await snapshot(sqlite.tracking, sqlite.registry, experimentIds, runIds);
    expect(after).toEqual(before);
    // The copied artifact URIs still point at the files in mlruns.
    await file.tracking.logArtifact(runIds[0]!, 'notes.txt', 'kept');
    expect(new TextDecoder().decode(await sqlite.tracking.downloadArtifact(runIds[0]!, 'notes.txt'))).toBe('kept');
  });

  it('leaves the database as it was when an id is already there', async () => {
    const dir = await tempDir();
    const mlruns = join(dir, 'mlruns');
    await fillFileStore(mlruns);
    const uri = `sqlite:///${join(dir, 'mlflow.db')}`;
    const io = { stdout: () => undefined, env: {}, cwd: dir };
    expect(await runCli(['tracking', 'migrate', mlruns, uri, '-q'], { ...io, stderr: () => undefined })).toBe(0);
    const sqlite = openTracking(uri, { baseDir: dir });
    await sqlite.registry.createRegisteredModel('added.after');
    let stderr = '';
    expect(await runCli(['tracking', 'migrate', mlruns, uri, '-q'], { ...io, stderr: (text) => (stderr += text) })).toBe(1);
    expect(stderr).toMatch(/UNIQUE constraint failed|already/);
    expect((await sqlite.registry.searchRegisteredModels()).items.map((model) => model.name)).toEqual(['added.after', 'empty.model', 'iris.model']);
  });

  it('refuses a target that is not a sqlite:/// URI', async () => {
    let stderr = '';
    expect(await runCli(['tracking', 'migrate', 'mlruns', 'postgresql://db/mlflow'], { stdout: () => undefined, stderr: (text) => (stderr += text), env: {}, cwd: '/' })).toBe(2);
    expect(stderr).toContain('must be a sqlite:/// URI');
  });
});
