import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decideWriteInto } from '../../../src/stages/score/output-safety.js';
import { cli } from '../../helpers/cli-workspace.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

describe('decideWriteInto (the pure core shared with the score output guard)', () => {
  it('allows an absent place or a folder holding only what the job writes (and staging leftovers)', () => {
    expect(decideWriteInto({ kind: 'absent' }, ['ingested'])).toEqual({ allowed: true });
    expect(decideWriteInto({ kind: 'folder', entries: ['ingested', '.mlops-tmp-x'] }, ['ingested', 'quarantine'])).toEqual({ allowed: true });
    expect(decideWriteInto({ kind: 'folder', entries: ['ingested', 'predictions'] }, ['ingested'], ['predictions'])).toEqual({ allowed: true });
  });
  it('refuses a file and a folder with anything else, naming what it holds', () => {
    expect(decideWriteInto({ kind: 'file', columns: undefined }, ['ingested'])).toEqual({ allowed: false, reason: 'it is a file, not a folder' });
    expect(decideWriteInto({ kind: 'folder', entries: ['ingested', 'notes.txt', 'a', 'b', 'c'] }, ['ingested'])).toEqual({
      allowed: false,
      reason: 'it is a folder that holds "notes.txt", "a", "b" and 1 more, which the job did not write',
    });
  });
});

describe('data_ingestion_job and mlops ingest replay refuse a volume_path or checkpoint_path they must not write to (exit 2, no run)', () => {
  const tempDir = useTempDirs();
  let landing: string;
  beforeAll(async () => {
    landing = join(repoRoot, 'data', 'landing');
  });

  async function project(): Promise<string> {
    const cwd = await tempDir();
    await cp(join(repoRoot, 'mlops.yml'), join(cwd, 'mlops.yml'));
    await cp(landing, join(cwd, 'data', 'landing'), { recursive: true });
    await mkdir(join(cwd, 'unrelated'));
    await writeFile(join(cwd, 'unrelated', 'notes.txt'), 'mine\n');
    return cwd;
  }

  const cases: [string, Record<string, string>, RegExp][] = [
    ['the project folder', { volume_path: '.' }, /^error: volume_path "\." \(\/.+\) is the config's folder \(\/.+\): data_ingestion_job never writes over/],
    ['the landing folder', { volume_path: './data/landing' }, /^error: volume_path "\.\/data\/landing\/ingested" \(.+\) is inside source_path, the landing files \(\.\/data\/landing\)/],
    ['inside the landing folder', { checkpoint_path: './data/landing/checkpoints' }, /^error: checkpoint_path ".+" \(.+\) is inside source_path, the landing files/],
    ['the workspace', { volume_path: '.mlops' }, /^error: volume_path "\.mlops" \(.+\) is the local workspace/],
    ['the MLflow database', { checkpoint_path: '.mlops/mlflow.db' }, /^error: checkpoint_path ".mlops\/mlflow.db" \(.+\) is the workspace's mlflow.db/],
    ['the MLflow artifacts', { volume_path: '.mlops/mlartifacts' }, /^error: volume_path ".mlops\/mlartifacts" \(.+\) is the workspace's mlartifacts/],
    ['inside the MLflow artifacts', { checkpoint_path: '.mlops/mlartifacts/ck' }, /^error: checkpoint_path ".+" \(.+\) is inside the workspace's mlartifacts/],
    ['a folder of unrelated files', { volume_path: './unrelated', checkpoint_path: './unrelated/checkpoints' }, /^error: volume_path ".\/unrelated" \(.+\) cannot receive ingested data: it is a folder that holds "notes.txt", which the job did not write/],
    ['a checkpoint folder of unrelated files', { volume_path: './vol', checkpoint_path: './unrelated' }, /^error: checkpoint_path ".\/unrelated" \(.+\) cannot receive ingested data: it is a folder that holds "notes.txt"/],
  ];
  const REPLAYED = ['the project folder', 'inside the landing folder', 'a folder of unrelated files'];
  for (const [what, json, message] of cases) {
    it(`refuses ${what}`, async () => {
      const cwd = await project();
      const before = await readdir(cwd);
      for (const job of ['data_ingestion_job', 'pipeline_job']) {
        const result = await cli(['run', job, '--json', JSON.stringify(json)], cwd);
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr.split('\n')[1]).toMatch(message);
      }
      // `mlops ingest replay` writes the same places: the same refusal, before it reads or records anything
      // (one case of each kind — the project, the landing files, unrelated files — keeps the file quick).
      if (REPLAYED.includes(what)) {
        const replay = await cli(['ingest', 'replay', 'iris_part_001.csv', '--json', JSON.stringify(json)], cwd);
        expect(replay.code, replay.stderr).toBe(2);
        expect(replay.stderr).toMatch(new RegExp(message.source, 'm'));
      }
      // Nothing ran: no run was recorded, no file was written in the landing or unrelated folders.
      expect(JSON.parse((await cli(['runs', 'list', '-o', 'json'], cwd)).stdout)).toEqual([]);
      expect(await readdir(join(cwd, 'unrelated'))).toEqual(['notes.txt']);
      expect((await readdir(join(cwd, 'data', 'landing'))).sort()).toEqual(['iris_part_001.csv', 'iris_part_002.csv', 'iris_part_003.csv']);
      expect(await readdir(cwd)).toEqual(expect.arrayContaining(before));
    });
  }

  it('refuses a volume of the workspace that holds unrelated files', async () => {
    const cwd = await project();
    await mkdir(join(cwd, '.mlops', 'Volumes', 'c', 's', 'v'), { recursive: true });
    await writeFile(join(cwd, '.mlops', 'Volumes', 'c', 's', 'v', 'notes.txt'), 'mine\n');
    const result = await cli(['run', 'data_ingestion_job', '--json', JSON.stringify({ volume_path: '/Volumes/c/s/v', checkpoint_path: '/Volumes/c/s/v/checkpoints' })], cwd);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.split('\n')[1]).toMatch(/^error: volume_path "\/Volumes\/c\/s\/v" \(.+\) cannot receive ingested data: it is a folder that holds "notes.txt"/);
    expect(await readdir(join(cwd, '.mlops', 'Volumes', 'c', 's', 'v'))).toEqual(['notes.txt']);
  });

  it('accepts a volume_path that holds its checkpoints and a batch_inference_job output, and ingests into it again', async () => {
    const cwd = await project();
    const volume = join(cwd, '.mlops', 'Volumes', 'hp_az_catalog', 'hp_iris_ml', 'hp_ml_vol');
    await mkdir(join(volume, 'predictions'), { recursive: true });
    await writeFile(join(volume, 'predictions', '_mlops_output.json'), '{}\n');
    const first = await cli(['run', 'data_ingestion_job', '-q'], cwd);
    expect(first.code, first.stderr).toBe(0);
    await cp(join(landing, 'iris_part_001.csv'), join(cwd, 'data', 'landing', 'again.csv'));
    const again = await cli(['run', 'data_ingestion_job', '-o', 'json', '-q'], cwd);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ingestion: { files_ingested: 1, rows_written: 50 } });
    expect((await readdir(volume)).sort()).toEqual(['checkpoints', 'ingested', 'predictions']);
  });
});
