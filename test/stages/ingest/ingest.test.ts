import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JOB_NAMES } from '../../../src/config/types.js';
import type { JobConfig, JobName, ResolvedConfig } from '../../../src/config/types.js';
import { MlopsError } from '../../../src/errors.js';
import { RecordingReporter } from '../../../src/pipeline/reporter.js';
import type { StageContext } from '../../../src/stages/context.js';
import { runIngest } from '../../../src/stages/ingest/ingest.js';
import type { IngestParams } from '../../../src/stages/ingest/ingest.js';
import { readIngested } from '../../../src/stages/ingest/read.js';
import { LocalVolumeStore } from '../../../src/workspace/local/volumes.js';
import type { Workspace } from '../../../src/workspace/types.js';
import { readParquetFile, readParquetFolder } from '../../helpers/read-parquet.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const SAMPLE_LANDING = fileURLToPath(new URL('../../../data/landing/', import.meta.url));
const HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';
const NOW = 1_717_000_000_000;

/** Anything a stage must not touch here: using it fails the test loudly. */
function unusable<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      throw new Error(`the ingest stage must not use ${what}.${String(property)}`);
    },
  });
}

function config(configDir: string): ResolvedConfig {
  const jobs = Object.fromEntries(
    JOB_NAMES.map((name) => [name, { name, displayName: `[test] ${name}`, parameters: {} } satisfies JobConfig]),
  ) as Record<JobName, JobConfig>;
  return {
    configPath: path.join(configDir, 'mlops.yml'),
    configDir,
    bundle: { name: 'mlops-e2e-test' },
    target: 'dev',
    variables: {},
    workspace: { type: 'local', root: path.join(configDir, 'workspace') },
    trackingUri: `file://${path.join(configDir, 'workspace', 'mlruns')}`,
    approval: { mode: 'disabled', thresholds: {} },
    jobs,
  };
}

interface Setup {
  dir: string;
  landing: string;
  volumes: LocalVolumeStore;
  reporter: RecordingReporter;
  ctx: StageContext;
  params: IngestParams;
}

async function setup(options: { copySample?: boolean } = {}): Promise<Setup> {
  const dir = await tempDir();
  const landing = path.join(dir, 'landing');
  await mkdir(landing);
  if (options.copySample ?? true) {
    for (const name of await readdir(SAMPLE_LANDING)) await copyFile(path.join(SAMPLE_LANDING, name), path.join(landing, name));
  }
  const volumes = new LocalVolumeStore({ root: path.join(dir, 'workspace') });
  const workspace: Workspace = {
    kind: 'local',
    location: path.join(dir, 'workspace'),
    volumes,
    tables: unusable('tables'),
    tracking: unusable('tracking'),
    registry: unusable('registry'),
  };
  const reporter = new RecordingReporter();
  const ctx: StageContext = { workspace, config: config(dir), reporter, now: () => NOW };
  // Relative on purpose: it must resolve against config.configDir, not the process's directory.
  const params: IngestParams = { source_path: 'landing', volume_path: '/Volumes/main/iris/vol', checkpoint_path: '/Volumes/main/iris/vol/checkpoints' };
  return { dir, landing, volumes, reporter, ctx, params };
}

function volumeDir(s: Setup, sub: string): string {
  return s.volumes.localPath(`/Volumes/main/iris/vol/${sub}`);
}

async function listTree(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true })).sort();
  } catch {
    return [];
  }
}

describe('runIngest', () => {
  it('ingests the three sample landing files into 150 rows of Parquet', async () => {
    const s = await setup();
    const result = await runIngest(s.ctx, s.params);
    expect(result).toEqual({
      files_ingested: 3,
      files_skipped: 0,
      rows_written: 150,
      rows_quarantined: 0,
      output_path: '/Volumes/main/iris/vol/ingested',
      quarantine_path: '/Volumes/main/iris/vol/quarantine',
      files: ['iris_part_001.csv', 'iris_part_002.csv', 'iris_part_003.csv'],
    });
    const outputs = await listTree(volumeDir(s, 'ingested'));
    expect(outputs).toHaveLength(3);
    expect(outputs.every((name) => /^iris_part_00\d\.[0-9a-f]{16}\.parquet$/.test(name))).toBe(true);

    // An independent reader sees every row with its provenance.
    const rows = await readParquetFolder(volumeDir(s, 'ingested'));
    expect(rows).toHaveLength(150);
    expect(rows[0]).toEqual({
      sepal_length: 4.7,
      sepal_width: 3.2,
      petal_length: 1.3,
      petal_width: 0.2,
      species: 'setosa',
      _source_file: 'iris_part_001.csv',
      _ingested_at: new Date(NOW),
    });
    const counts = new Map<unknown, number>();
    for (const row of rows) counts.set(row.species, (counts.get(row.species) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ setosa: 50, versicolor: 50, virginica: 50 });

    const ledger = JSON.parse(await readFile(path.join(volumeDir(s, 'checkpoints'), 'ingest_ledger.json'), 'utf8')) as {
      files: { source_path: string; rows: number; sha256: string; output_file: string; ingested_at: number }[];
    };
    expect(ledger.files.map((entry) => [entry.source_path, entry.rows, entry.ingested_at])).toEqual([
      ['iris_part_001.csv', 50, NOW],
      ['iris_part_002.csv', 50, NOW],
      ['iris_part_003.csv', 50, NOW],
    ]);
    expect(ledger.files[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ledger.files[0]?.output_file).toMatch(/^\/Volumes\/main\/iris\/vol\/ingested\/iris_part_001\.[0-9a-f]{16}\.parquet$/);
    expect(await listTree(volumeDir(s, 'quarantine'))).toEqual([]);

    const logs = s.reporter.events.filter((event) => event.type === 'log');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((event) => event.type === 'log' && event.stage === 'ingest')).toBe(true);
    expect(s.reporter.events.filter((event) => event.type === 'progress')).toHaveLength(3);
  });

  it('ingests nothing on a second run', async () => {
    const s = await setup();
    await runIngest(s.ctx, s.params);
    const before = await readFile(path.join(volumeDir(s, 'checkpoints'), 'ingest_ledger.json'), 'utf8');
    const second = await runIngest(s.ctx, s.params);
    expect(second).toMatchObject({ files_ingested: 0, files_skipped: 3, rows_written: 0, files: [] });
    expect(await listTree(volumeDir(s, 'ingested'))).toHaveLength(3);
    expect(await readFile(path.join(volumeDir(s, 'checkpoints'), 'ingest_ledger.json'), 'utf8')).toBe(before);
  });

  it('ingests only a new file on a later run', async () => {
    const s = await setup();
    await runIngest(s.ctx, s.params);
    await writeFile(path.join(s.landing, 'iris_part_004.csv'), `${HEADER}\n5.0,3.3,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n`);
    const result = await runIngest(s.ctx, s.params);
    expect(result).toMatchObject({ files_ingested: 1, files_skipped: 3, rows_written: 2, files: ['iris_part_004.csv'] });
    expect(await readParquetFolder(volumeDir(s, 'ingested'))).toHaveLength(152);
  });

  it('re-ingests a rewritten file as new and says so', async () => {
    const s = await setup({ copySample: false });
    const file = path.join(s.landing, 'drop.csv');
    await writeFile(file, `${HEADER}\n5.0,3.3,1.4,0.2,setosa\n`);
    await runIngest(s.ctx, s.params);
    await writeFile(file, `${HEADER}\n5.0,3.3,1.4,0.2,setosa\n6.0,2.2,5.0,1.5,virginica\n`);
    const result = await runIngest(s.ctx, s.params);
    expect(result).toMatchObject({ files_ingested: 1, rows_written: 2, files: ['drop.csv'] });
    expect(await listTree(volumeDir(s, 'ingested'))).toHaveLength(2);
    const messages = s.reporter.events.map((event) => (event.type === 'log' ? event.message : ''));
    expect(messages.some((message) => message.startsWith('drop.csv changed since it was ingested'))).toBe(true);
  });

  it('fails on a wrong header, naming the file, and writes nothing', async () => {
    const s = await setup();
    await writeFile(path.join(s.landing, 'zz_wrong.csv'), 'a,b,c,d,e\n1,2,3,4,setosa\n');
    let caught: unknown;
    try {
      await runIngest(s.ctx, s.params);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MlopsError);
    expect((caught as MlopsError).code).toBe('SCHEMA_MISMATCH');
    expect((caught as MlopsError).message).toContain(path.join(s.landing, 'zz_wrong.csv'));
    expect((caught as MlopsError).message).toContain(`expected ${HEADER}`);
    expect((caught as MlopsError).message).toContain('found a,b,c,d,e');
    // Validation happens before any write, so the good files were not written either.
    expect(await listTree(s.volumes.localPath('/Volumes/main/iris/vol'))).toEqual([]);
  });

  it('quarantines bad rows with file, line number and reason, and keeps the good ones', async () => {
    const s = await setup({ copySample: false });
    await writeFile(
      path.join(s.landing, 'messy.csv'),
      [HEADER, '5.1,3.5,1.4,0.2,setosa', '5.1,oops,1.4,0.2,setosa', '6.3,3.3,6.0,2.5,virginica', '6.3,3.3,6.0,2.5,tulip', '6.3,3.3'].join('\n'),
    );
    const result = await runIngest(s.ctx, s.params);
    expect(result).toMatchObject({ files_ingested: 1, rows_written: 2, rows_quarantined: 3 });
    const quarantine = await listTree(volumeDir(s, 'quarantine'));
    expect(quarantine).toHaveLength(1);
    expect(await readParquetFile(path.join(volumeDir(s, 'quarantine'), quarantine[0] ?? ''))).toEqual([
      { raw_line: '5.1,oops,1.4,0.2,setosa', _source_file: 'messy.csv', line_number: 3, reason: 'sepal_width "oops" is not a number', _ingested_at: new Date(NOW) },
      { raw_line: '6.3,3.3,6.0,2.5,tulip', _source_file: 'messy.csv', line_number: 5, reason: 'species "tulip" is not one of setosa, versicolor, virginica', _ingested_at: new Date(NOW) },
      { raw_line: '6.3,3.3', _source_file: 'messy.csv', line_number: 6, reason: 'expected 5 fields, found 2', _ingested_at: new Date(NOW) },
    ]);
    expect((await readParquetFolder(volumeDir(s, 'ingested'))).map((row) => row.species)).toEqual(['setosa', 'virginica']);
    const ledger = JSON.parse(await readFile(path.join(volumeDir(s, 'checkpoints'), 'ingest_ledger.json'), 'utf8')) as {
      files: { rows_quarantined: number; quarantine_file: string | null }[];
    };
    expect(ledger.files[0]?.rows_quarantined).toBe(3);
    expect(ledger.files[0]?.quarantine_file).toMatch(/^\/Volumes\/main\/iris\/vol\/quarantine\/messy\.[0-9a-f]{16}\.parquet$/);
  });

  it('re-ingests into the same output names when the ledger was never written (no duplicates)', async () => {
    const s = await setup();
    await runIngest(s.ctx, s.params);
    const outputs = await listTree(volumeDir(s, 'ingested'));
    // As if the run had died after writing its outputs but before the ledger.
    await s.volumes.delete('/Volumes/main/iris/vol/checkpoints/ingest_ledger.json');
    const again = await runIngest(s.ctx, s.params);
    expect(again.files_ingested).toBe(3);
    expect(await listTree(volumeDir(s, 'ingested'))).toEqual(outputs);
    expect((await readIngested(s.volumes, again.output_path)).numRows).toBe(150);
  });

  it('leaves an empty output folder when there is nothing to ingest, so readers get zero rows', async () => {
    const s = await setup({ copySample: false });
    await writeFile(path.join(s.landing, 'README.md'), 'not data');
    const result = await runIngest(s.ctx, s.params);
    expect(result).toMatchObject({ files_ingested: 0, files_skipped: 0, rows_written: 0 });
    expect((await readIngested(s.volumes, result.output_path)).numRows).toBe(0);
    const messages = s.reporter.events.map((event) => (event.type === 'log' ? event.message : ''));
    expect(messages).toContain('Ignoring 1 file(s) that are not .csv: README.md');
  });

  it('fails with CORRUPT naming the ledger when the checkpoint is damaged, before writing anything', async () => {
    const s = await setup();
    await s.volumes.write('/Volumes/main/iris/vol/checkpoints/ingest_ledger.json', '{"version": 1');
    await expect(runIngest(s.ctx, s.params)).rejects.toMatchObject({
      code: 'CORRUPT',
      message: expect.stringContaining('/Volumes/main/iris/vol/checkpoints/ingest_ledger.json'),
    });
    expect(await listTree(volumeDir(s, 'ingested'))).toEqual([]);
  });

  it('fails with NOT_FOUND naming the folder when the source is missing', async () => {
    const s = await setup();
    await expect(runIngest(s.ctx, { ...s.params, source_path: 'no-such-landing' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining(path.join(s.dir, 'no-such-landing')),
    });
  });

  it('rejects a missing parameter, an unsupported format and an ADLS source before touching anything', async () => {
    const s = await setup();
    await expect(runIngest(s.ctx, { ...s.params, volume_path: '' })).rejects.toThrow(/Ingest parameter volume_path is required/);
    await expect(runIngest(s.ctx, { ...s.params, format: 'parquet' })).rejects.toThrow(/format "parquet" is not supported/);
    await expect(runIngest(s.ctx, { ...s.params, source_path: 'abfss://c@a.dfs.core.windows.net/x' })).rejects.toThrow(/not supported yet/);
    expect(await listTree(s.volumes.localPath('/Volumes/main/iris/vol'))).toEqual([]);
  });

  it('stops with ABORTED and writes nothing when the signal has fired', async () => {
    const s = await setup();
    const controller = new AbortController();
    controller.abort();
    await expect(runIngest({ ...s.ctx, signal: controller.signal }, s.params)).rejects.toMatchObject({ code: 'ABORTED' });
    expect(await listTree(s.volumes.localPath('/Volumes/main/iris/vol'))).toEqual([]);
  });
});
