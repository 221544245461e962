import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ContainerSASPermissions } from '@azure/storage-blob';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { tableToParquet } from '../../../src/io/parquet.js';
import { runIngest } from '../../../src/stages/ingest/ingest.js';
import { readIngested } from '../../../src/stages/ingest/read.js';
import { readParquetFile, readParquetFolder } from '../../helpers/read-parquet.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, useAzurite } from '../../helpers/azurite.js';
import { readStoredSchema, SCHEMA_FILE } from '../../../src/stages/ingest/stored-schema.js';
import { formatSchema, IRIS_SCHEMA } from '../../../src/stages/ingest/schema.js';
import { ingestSetup, IRIS_HEADER, listTree, SAMPLE_LANDING, VOLUME } from '../../helpers/ingest-workspace.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

/** The files under the ingested folder, less the schema stored beside them (test/stages/ingest/stored-schema.test.ts). */
async function dataFiles(dir: string): Promise<string[]> {
  return (await listTree(dir)).filter((file) => file !== SCHEMA_FILE);
}

const tempDir = useTempDirs();
const START = Date.UTC(2026, 10, 26, 12, 0, 0);
const DAY = '2026-11-26';

async function quarantineRows(dir: string): Promise<Record<string, unknown>[]> {
  const files = (await listTree(dir)).filter((file) => file.endsWith('.parquet') && !file.startsWith('_files'));
  const rows: Record<string, unknown>[] = [];
  for (const file of files) rows.push(...(await readParquetFile(path.join(dir, file))));
  return rows;
}

describe('runIngest on a local folder', () => {
  it('ingests the three sample files into 150 rows of Parquet partitioned by ingestion date, with lineage', async () => {
    const s = await ingestSetup(await tempDir(), { start: START });
    const result = await runIngest(s.ctx, s.params);
    expect(result).toMatchObject({
      files_listed: 3,
      files_ingested: 3,
      files_skipped: 0,
      files_quarantined: 0,
      files_changed: 0,
      rows_written: 150,
      rows_quarantined: 0,
      output_path: `${VOLUME}/ingested`,
      quarantine_path: `${VOLUME}/quarantine`,
      files: ['iris_part_001.csv', 'iris_part_002.csv', 'iris_part_003.csv'],
      quarantined_files: [],
    });
    const outputs = await dataFiles(s.volumeDir('ingested'));
    expect(outputs).toHaveLength(3);
    // The schema it read them by, beside them, for training (hidden from Parquet readers by the _).
    expect(formatSchema((await readStoredSchema(s.volumes, `${VOLUME}/ingested`))!)).toBe(formatSchema(IRIS_SCHEMA));
    for (const output of outputs) expect(output).toMatch(new RegExp(`^ingest_date=${DAY}/iris_part_00\\d\\.[0-9a-f]{16}\\.part-00000\\.parquet$`));

    // An independent reader sees every row with where and when it came from.
    const rows = await readParquetFolder(s.volumeDir('ingested'));
    expect(rows).toHaveLength(150);
    const first = rows.find((row) => row._source_file === pathToFileURL(path.join(s.landing, 'iris_part_001.csv')).href);
    expect(first).toEqual({
      sepal_length: 4.7,
      sepal_width: 3.2,
      petal_length: 1.3,
      petal_width: 0.2,
      species: 'setosa',
      _rescued_data: null,
      _source_file: pathToFileURL(path.join(s.landing, 'iris_part_001.csv')).href,
      _ingested_at: expect.any(Date),
    });
    const ingestedAt = (first?._ingested_at as Date).getTime();
    expect(ingestedAt).toBeGreaterThanOrEqual(START);
    expect(rows.every((row) => (row._ingested_at as Date).getTime() === ingestedAt)).toBe(true);
    const counts = new Map<unknown, number>();
    for (const row of rows) counts.set(row.species, (counts.get(row.species) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ setosa: 50, versicolor: 50, virginica: 50 });

    const ledger = await s.ledger();
    expect(ledger.version).toBe(2);
    expect(ledger.pending).toEqual([]);
    expect(ledger.files.map((entry) => [entry.source_path, entry.status, entry.rows, entry.format])).toEqual([
      ['iris_part_001.csv', 'ingested', 50, 'csv'],
      ['iris_part_002.csv', 'ingested', 50, 'csv'],
      ['iris_part_003.csv', 'ingested', 50, 'csv'],
    ]);
    const entry = ledger.files[0]!;
    expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.output_files).toEqual([`${VOLUME}/ingested/${outputs[0]}`]);
    expect(entry.run_id).toBe(result.run_id);
    expect(await listTree(s.volumeDir('quarantine'))).toEqual([]);

    const reader = await readIngested(s.volumes, result.output_path);
    expect(reader.numRows).toBe(150);
    expect(reader.schema.fields.map((field) => field.name)).toEqual([
      'sepal_length',
      'sepal_width',
      'petal_length',
      'petal_width',
      'species',
      '_rescued_data',
      '_source_file',
      '_ingested_at',
    ]);
    expect(s.reporter.events.filter((event) => event.type === 'progress')).toHaveLength(3);
  });

  it('records the ingestion as an MLflow run: parameters, counts as metrics, input files and a data digest', async () => {
    const s = await ingestSetup(await tempDir());
    const result = await runIngest(s.ctx, s.params);
    const tracking = s.ctx.workspace.tracking;
    const run = await tracking.getRun(result.run_id);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.params).toMatchObject({
      source_path: pathToFileURL(s.landing).href,
      volume_path: VOLUME,
      format: 'auto',
      on_change: 'reingest',
      on_bad_file: 'quarantine',
      schema: expect.stringContaining("species STRING NOT NULL IN ('setosa', 'versicolor', 'virginica')"),
    });
    expect(Object.fromEntries(Object.entries(run.data.metrics).map(([key, metric]) => [key, metric.value]))).toMatchObject({
      files_listed: 3,
      files_ingested: 3,
      rows_written: 150,
      rows_quarantined: 0,
      files_quarantined: 0,
    });
    expect(run.data.tags['mlops.stage']).toBe('ingest');
    // Called on its own, outside a job, the stage's run is a top-level run.
    expect(run.data.tags).not.toHaveProperty('mlflow.parentRunId');
    expect(run.data.tags['mlops.data_digest']).toBe(result.data_digest);
    expect(result.data_digest).toMatch(/^[0-9a-f]{16}$/);
    const experiment = await tracking.getExperiment(run.info.experimentId);
    expect(experiment.name).toBe('/Shared/test/ingestion');
    const inputs = JSON.parse(new TextDecoder().decode(await tracking.downloadArtifact(result.run_id, 'ingestion/input_files.json'))) as { path: string; sha256: string; rows: number }[];
    expect(inputs.map((input) => [input.path, input.rows])).toEqual([
      ['iris_part_001.csv', 50],
      ['iris_part_002.csv', 50],
      ['iris_part_003.csv', 50],
    ]);
    expect(inputs[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);

    // Nothing new: another run, same data, same digest.
    const again = await runIngest(s.ctx, s.params);
    expect(again.data_digest).toBe(result.data_digest);
    expect((await tracking.getRun(again.run_id)).data.metrics.files_skipped?.value).toBe(3);
  });

  it('ingests nothing on a second run and leaves the ledger as it was', async () => {
    const s = await ingestSetup(await tempDir());
    await runIngest(s.ctx, s.params);
    const snapshot = path.join(s.volumeDir('checkpoints'), 'ingest_ledger', 'snapshot.json');
    const before = await readFile(snapshot, 'utf8');
    const second = await runIngest(s.ctx, s.params);
    expect(second).toMatchObject({ files_ingested: 0, files_skipped: 3, rows_written: 0, files: [] });
    expect(await dataFiles(s.volumeDir('ingested'))).toHaveLength(3);
    expect(await readFile(snapshot, 'utf8')).toBe(before);
    expect(await listTree(s.volumeDir('checkpoints'))).toEqual(['ingest_ledger/snapshot.json']);
  });

  it('ingests only a new file on a later run', async () => {
    const s = await ingestSetup(await tempDir());
    await runIngest(s.ctx, s.params);
    await writeFile(path.join(s.landing, 'iris_part_004.csv'), `${IRIS_HEADER}\n5.0,3.3,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n`);
    const result = await runIngest(s.ctx, s.params);
    expect(result).toMatchObject({ files_ingested: 1, files_skipped: 3, rows_written: 2, files: ['iris_part_004.csv'] });
    expect((await readIngested(s.volumes, result.output_path)).numRows).toBe(152);
  });

  it('on_change reingest: a file rewritten in place has its rows replaced, not duplicated', async () => {
    const s = await ingestSetup(await tempDir(), { copySample: false });
    const file = path.join(s.landing, 'drop.csv');
    await writeFile(file, `${IRIS_HEADER}\n5.0,3.3,1.4,0.2,setosa\n`);
    const first = await runIngest(s.ctx, s.params);
    const firstOutputs = await dataFiles(s.volumeDir('ingested'));
    await writeFile(file, `${IRIS_HEADER}\n5.0,3.3,1.4,0.2,setosa\n6.0,2.2,5.0,1.5,virginica\n`);
    const result = await runIngest(s.ctx, s.params);
    expect(result).toMatchObject({ files_ingested: 1, files_changed: 1, rows_written: 2, changed_files: [{ path: 'drop.csv', action: 'reingested' }] });
    const outputs = await dataFiles(s.volumeDir('ingested'));
    expect(outputs).toHaveLength(1);
    expect(outputs).not.toEqual(firstOutputs);
    const table = await readIngested(s.volumes, result.output_path);
    expect(table.numRows).toBe(2);
    expect(result.data_digest).not.toBe(first.data_digest);
    const messages = s.reporter.events.flatMap((event) => (event.type === 'log' ? [event.message] : []));
    expect(messages.some((message) => message.startsWith('drop.csv (etag ') && message.includes('re-ingesting it, its earlier rows will be replaced'))).toBe(true);
  });

  it('on_change ignore: keeps the earlier rows and reports the change', async () => {
    const s = await ingestSetup(await tempDir(), { copySample: false });
    const file = path.join(s.landing, 'drop.csv');
    await writeFile(file, `${IRIS_HEADER}\n5.0,3.3,1.4,0.2,setosa\n`);
    await runIngest(s.ctx, s.params);
    await writeFile(file, `${IRIS_HEADER}\n5.0,3.3,1.4,0.2,setosa\n6.0,2.2,5.0,1.5,virginica\n`);
    const result = await runIngest(s.ctx, { ...s.params, on_change: 'ignore' });
    expect(result).toMatchObject({ files_ingested: 0, files_changed: 1, changed_files: [{ path: 'drop.csv', action: 'ignored' }] });
    expect((await readIngested(s.volumes, result.output_path)).numRows).toBe(1);
  });

  it('on_change fail: stops before writing anything, naming the changed file', async () => {
    const s = await ingestSetup(await tempDir(), { copySample: false });
    const file = path.join(s.landing, 'drop.csv');
    await writeFile(file, `${IRIS_HEADER}\n5.0,3.3,1.4,0.2,setosa\n`);
    await runIngest(s.ctx, s.params);
    await writeFile(path.join(s.landing, 'new.csv'), `${IRIS_HEADER}\n6.0,2.2,5.0,1.5,virginica\n`);
    await writeFile(file, `${IRIS_HEADER}\n5.0,3.3,1.4,0.2,setosa\n6.0,2.2,5.0,1.5,virginica\n`);
    const ledgerBefore = await s.ledger();
    await expect(runIngest(s.ctx, { ...s.params, on_change: 'fail' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/drop\.csv \(etag .*\): changed in place since ingested and on_change is fail/),
    });
    expect(await s.ledger()).toEqual(ledgerBefore);
    expect(await dataFiles(s.volumeDir('ingested'))).toHaveLength(1);
  });

  it('splits a file into parts of max_rows_per_file rows, all read back as one dataset', async () => {
    const s = await ingestSetup(await tempDir(), { copySample: false });
    const lines = Array.from({ length: 25 }, (_, i) => `${(4 + i / 10).toFixed(1)},3.0,1.5,0.2,setosa`);
    await writeFile(path.join(s.landing, 'many.csv'), `${IRIS_HEADER}\n${lines.join('\n')}\n`);
    const result = await runIngest(s.ctx, { ...s.params, max_rows_per_file: '10' });
    const outputs = await dataFiles(s.volumeDir('ingested'));
    expect(outputs.map((output) => output.replace(/\.[0-9a-f]{16}\./, '.KEY.').replace(/^ingest_date=[^/]+\//, ''))).toEqual([
      'many.KEY.part-00000.parquet',
      'many.KEY.part-00001.parquet',
      'many.KEY.part-00002.parquet',
    ]);
    expect((await s.ledger()).files[0]?.output_files).toHaveLength(3);
    const table = await readIngested(s.volumes, result.output_path);
    expect(Array.from(table.getChild('sepal_length')!.toArray() as Float64Array)).toEqual(lines.map((line) => Number(line.split(',')[0])));
  });

  it('reads JSON Lines and Parquet landing files by extension, with a configured schema', async () => {
    const s = await ingestSetup(await tempDir(), { copySample: false });
    const schema = 'id BIGINT NOT NULL, score DOUBLE, label STRING IN (\'yes\', \'no\'), n INT';
    await writeFile(path.join(s.landing, 'a.jsonl'), ['{"id": 1, "score": 0.5, "label": "yes", "n": 3}', '{"id": "2", "label": "no"}', '{"id": 3, "score": "x"}', '[1]', 'not json'].join('\n'));
    const parquet = tableToParquet(
      new arrow.Table({
        id: arrow.vectorFromArray([10n, 11n], new arrow.Int64()),
        score: arrow.vectorFromArray([1.25, null], new arrow.Float64()),
        label: arrow.vectorFromArray(['no', 'maybe'], new arrow.Utf8()),
        n: arrow.vectorFromArray([7, 8], new arrow.Int32()),
        extra: arrow.vectorFromArray(['e1', 'e2'], new arrow.Utf8()),
      }),
    );
    await writeFile(path.join(s.landing, 'b.parquet'), parquet);
    const result = await runIngest(s.ctx, { ...s.params, schema });
    expect(result).toMatchObject({ files_ingested: 2, rows_written: 3, rows_quarantined: 4 });
    const rows = await readParquetFolder(s.volumeDir('ingested'));
    expect(rows.map((row) => [row.id, row.score, row.label, row.n, row._rescued_data].map((value) => value ?? null))).toEqual([
      [1n, 0.5, 'yes', 3, null],
      [2n, null, 'no', null, null],
      [10n, 1.25, 'no', 7, '{"extra":"e1"}'],
    ]);
    const quarantined = await quarantineRows(s.volumeDir('quarantine'));
    expect(quarantined.map((row) => [row.row_number, row.reason])).toEqual([
      [3n, 'score "x" is not a number'],
      [4n, 'expected a JSON object, found an array'],
      [5n, expect.stringMatching(/^not valid JSON: /)],
      [2n, "label \"maybe\" is not one of yes, no"],
    ]);
    expect(quarantined[3]?.raw_record).toBe('{"id":"11","score":null,"label":"maybe","n":8,"extra":"e2"}');
  });

  it('rejects bad parameters, a corrupt ledger and a missing folder before writing anything', async () => {
    const s = await ingestSetup(await tempDir());
    await expect(runIngest(s.ctx, { ...s.params, volume_path: '' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('parameter "volume_path": expected a non-empty value') });
    await expect(runIngest(s.ctx, { ...s.params, format: 'xml' })).rejects.toThrow(/"format": expected auto, csv, jsonl \(or json\) or parquet, found "xml"/);
    await expect(runIngest(s.ctx, { ...s.params, on_change: 'maybe' })).rejects.toThrow(/"on_change": expected one of reingest, ignore, fail, found "maybe"/);
    await expect(runIngest(s.ctx, { ...s.params, schema: 'a DOUBLE IN (1)' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(runIngest(s.ctx, { ...s.params, source_path: 'no-such-landing' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining(path.join(s.dir, 'no-such-landing')),
    });
    expect(await listTree(s.volumes.localPath(VOLUME))).toEqual([]);
    await s.volumes.write(`${VOLUME}/checkpoints/ingest_ledger.json`, '{"version": 2');
    await expect(runIngest(s.ctx, s.params)).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringContaining(`${VOLUME}/checkpoints/ingest_ledger.json`) });
    expect(await dataFiles(s.volumeDir('ingested'))).toEqual([]);
  });

  it('stops with ABORTED and writes nothing when the signal has fired', async () => {
    const s = await ingestSetup(await tempDir());
    const controller = new AbortController();
    controller.abort();
    await expect(runIngest({ ...s.ctx, signal: controller.signal }, s.params)).rejects.toMatchObject({ code: 'ABORTED' });
    expect(await listTree(s.volumes.localPath(VOLUME))).toEqual([]);
  });

  it('refuses a second ingestion on the same checkpoint while one runs (LOCKED)', async () => {
    const s = await ingestSetup(await tempDir());
    let second: Promise<unknown> | undefined;
    await runIngest(s.ctx, s.params, {
      onStep: (step) => {
        if (step === 'listed' && second === undefined) second = runIngest(s.ctx, s.params).then(() => 'ran', (error: unknown) => error);
      },
    });
    expect(await second).toMatchObject({ code: 'LOCKED', message: expect.stringContaining(`pid ${process.pid}`) });
    // Released afterwards.
    await expect(runIngest(s.ctx, s.params)).resolves.toMatchObject({ files_skipped: 3 });
  });

  it('replays a file: reads it again and replaces its rows', async () => {
    const s = await ingestSetup(await tempDir());
    await runIngest(s.ctx, s.params);
    const before = await dataFiles(s.volumeDir('ingested'));
    const result = await runIngest(s.ctx, s.params, { only: ['iris_part_002.csv'] });
    expect(result).toMatchObject({ files_ingested: 1, rows_written: 50, files: ['iris_part_002.csv'] });
    const after = await dataFiles(s.volumeDir('ingested'));
    expect(after).toHaveLength(3);
    expect(after.filter((file) => before.includes(file))).toHaveLength(2);
    expect((await readIngested(s.volumes, result.output_path)).numRows).toBe(150);
    await expect(runIngest(s.ctx, s.params, { only: ['nope.csv'] })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('Cannot replay nope.csv') });
  });

  it('reads a ledger written by the first release (version 1) without ingesting its files again', async () => {
    const s = await ingestSetup(await tempDir());
    const result = await runIngest(s.ctx, s.params);
    const v2 = await s.ledger();
    const v1 = {
      version: 1,
      source: v2.source,
      files: v2.files.map((entry) => ({
        source_path: entry.source_path,
        etag: entry.etag,
        size: entry.size,
        modified_at: entry.modified_at,
        sha256: entry.sha256,
        output_file: entry.output_files[0],
        quarantine_file: null,
        rows: entry.rows,
        rows_quarantined: 0,
        ingested_at: entry.ingested_at,
      })),
    };
    await s.volumes.delete(`${VOLUME}/checkpoints/ingest_ledger`);
    await s.volumes.write(`${VOLUME}/checkpoints/ingest_ledger.json`, JSON.stringify(v1));
    expect(await runIngest(s.ctx, s.params)).toMatchObject({ files_ingested: 0, files_skipped: 3, data_digest: result.data_digest });
  });

  it('after a failure mid-file, the next run removes the partial output and ingests the file once', async () => {
    const s = await ingestSetup(await tempDir(), { copySample: false });
    const lines = Array.from({ length: 30 }, () => '5.0,3.0,1.5,0.2,setosa');
    await writeFile(path.join(s.landing, 'big.csv'), `${IRIS_HEADER}\n${lines.join('\n')}\n`);
    const params = { ...s.params, max_rows_per_file: '10' };
    await expect(
      runIngest(s.ctx, params, {
        onStep: (step) => {
          if (step === 'part-written') throw new Error('simulated failure after the first part');
        },
      }),
    ).rejects.toThrow('simulated failure');
    // The failed attempt is pending in the ledger; its part may still be on disk.
    expect((await s.ledger()).pending.map((attempt) => attempt.source_path)).toEqual(['big.csv']);
    const result = await runIngest(s.ctx, params);
    expect(result.rows_written).toBe(30);
    expect((await readIngested(s.volumes, result.output_path)).numRows).toBe(30);
    expect(await dataFiles(s.volumeDir('ingested'))).toHaveLength(3);
    expect((await s.ledger()).pending).toEqual([]);
    const messages = s.reporter.events.flatMap((event) => (event.type === 'log' ? [event.message] : []));
    expect(messages.some((message) => message.startsWith('Recovered from an interrupted ingestion'))).toBe(true);
  });

  it('leaves an empty output folder when there is nothing to ingest, so readers get zero rows', async () => {
    const s = await ingestSetup(await tempDir(), { copySample: false });
    await writeFile(path.join(s.landing, 'README.md'), 'not data');
    const result = await runIngest(s.ctx, s.params);
    expect(result).toMatchObject({ files_ingested: 0, files_skipped: 0, rows_written: 0 });
    expect((await readIngested(s.volumes, result.output_path)).numRows).toBe(0);
    const messages = s.reporter.events.flatMap((event) => (event.type === 'log' ? [event.message] : []));
    expect(messages.some((message) => message.includes('Ignoring 1 file(s) whose format is not known from the extension') && message.endsWith('README.md'))).toBe(true);
    await rm(path.join(s.landing, 'README.md'));
  });
});

describe('runIngest from ADLS Gen2 (azurite)', () => {
  const azurite = useAzurite();
  let containers = 0;

  async function adlsLanding(): Promise<{ name: string; url: string; upload: (blob: string, content: string | Uint8Array) => Promise<void> }> {
    const name = `ingest-${++containers}`;
    const container = azurite().service.getContainerClient(name);
    await container.create();
    const upload = async (blob: string, content: string | Uint8Array) => {
      const bytes = typeof content === 'string' ? Buffer.from(content) : content;
      await container.getBlockBlobClient(`landing/${blob}`).upload(bytes, bytes.length);
    };
    for (const file of await readdir(SAMPLE_LANDING)) await upload(file, await readFile(path.join(SAMPLE_LANDING, file)));
    return { name, url: `abfss://${name}@${AZURITE_ACCOUNT}.dfs.core.windows.net/landing`, upload };
  }

  it('ingests the landing exactly once, records abfss:// lineage, and replaces the rows of a blob rewritten in place', async () => {
    const { url, upload } = await adlsLanding();
    const s = await ingestSetup(await tempDir(), { copySample: false });
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite().connectionString };
    const params = { ...s.params, source_path: url };
    const first = await runIngest(s.ctx, params, { env, pageSize: 2 });
    expect(first).toMatchObject({ files_listed: 3, files_ingested: 3, rows_written: 150 });
    const rows = await readParquetFolder(s.volumeDir('ingested'));
    expect(new Set(rows.map((row) => row._source_file))).toEqual(new Set(['iris_part_001.csv', 'iris_part_002.csv', 'iris_part_003.csv'].map((file) => `${url}/${file}`)));
    expect((await s.ledger()).files.map((entry) => entry.etag)).toEqual([expect.stringMatching(/^"?0x[0-9A-F]+"?$/), expect.any(String), expect.any(String)]);

    expect(await runIngest(s.ctx, params, { env })).toMatchObject({ files_ingested: 0, files_skipped: 3 });
    await upload('iris_part_002.csv', `${IRIS_HEADER}\n5.0,3.3,1.4,0.2,setosa\n`);
    await upload('extra.parquet', tableToParquet(new arrow.Table({ ...Object.fromEntries(['sepal_length', 'sepal_width', 'petal_length', 'petal_width'].map((name) => [name, arrow.vectorFromArray([1.5], new arrow.Float64())])), species: arrow.vectorFromArray(['setosa'], new arrow.Utf8()) })));
    const third = await runIngest(s.ctx, params, { env });
    expect(third).toMatchObject({ files_ingested: 2, changed_files: [{ path: 'iris_part_002.csv', action: 'reingested' }], rows_written: 2 });
    expect((await readIngested(s.volumes, third.output_path)).numRows).toBe(100 + 1 + 1);
  });

  it('takes the credentials from the stage context env when no env option is given, not from process.env', async () => {
    const { url } = await adlsLanding();
    const s = await ingestSetup(await tempDir(), { copySample: false });
    expect(process.env.AZURE_STORAGE_CONNECTION_STRING).toBeUndefined();
    const ctx = { ...s.ctx, env: { AZURE_STORAGE_CONNECTION_STRING: azurite().connectionString } };
    const result = await runIngest(ctx, { ...s.params, source_path: url });
    expect(result).toMatchObject({ files_listed: 3, files_ingested: 3, rows_written: 150 });
    const run = await s.ctx.workspace.tracking.getRun(result.run_id);
    expect(JSON.stringify(run)).not.toContain(AZURITE_KEY);
  });

  it('never lets a SAS token, an account key or a connection string into logs, errors, run params, artifacts, the ledger or the data', async () => {
    const { name, url } = await adlsLanding();
    const container = azurite().service.getContainerClient(name);
    const sasUrl = await container.generateSasUrl({ permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + 3_600_000) });
    const sas = sasUrl.slice(sasUrl.indexOf('?') + 1);
    const signature = decodeURIComponent(/sig=([^&]+)/.exec(sas)![1]!);
    const s = await ingestSetup(await tempDir(), { copySample: false });
    const secrets = [sas, signature, encodeURIComponent(signature), AZURITE_KEY, azurite().connectionString];

    // 1. A SAS in the URL (path-style emulator URL): works, and the SAS is nowhere.
    const sasSource = `${azurite().blobEndpoint}/${name}/landing?${sas}`;
    const result = await runIngest(s.ctx, { ...s.params, source_path: sasSource }, { env: {} });
    expect(result.rows_written).toBe(150);
    // 2. A wrong account key, and 3. a connection string with a wrong key: both fail, naming the credential only.
    const wrongKey = Buffer.from('a wrong key that looks like a real one').toString('base64');
    const failures: unknown[] = [];
    for (const env of [{ AZURE_STORAGE_KEY: wrongKey }, { AZURE_STORAGE_CONNECTION_STRING: azurite().connectionString.replace(AZURITE_KEY, wrongKey) }]) {
      const s2 = await ingestSetup(await tempDir(), { copySample: false });
      const source = 'AZURE_STORAGE_KEY' in env ? `${azurite().blobEndpoint}/${name}/landing` : url;
      const failure = await runIngest(s2.ctx, { ...s2.params, source_path: source }, { env }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({ code: 'HTTP', message: expect.stringContaining('access denied') });
      failures.push(failure);
      const runs = await s2.ctx.workspace.tracking.searchRuns({ experimentIds: [(await s2.ctx.workspace.tracking.getExperimentByName('/Shared/test/ingestion'))!.experimentId] });
      expect(runs.items.map((run) => run.info.status)).toEqual(['FAILED']);
      failures.push(runs.items);
      failures.push(s2.reporter.events);
      secrets.push(wrongKey);
    }

    const tracking = s.ctx.workspace.tracking;
    const run = await tracking.getRun(result.run_id);
    const artifact = new TextDecoder().decode(await tracking.downloadArtifact(result.run_id, 'ingestion/input_files.json'));
    const mlruns = await Promise.all(
      (await listTree(path.join(s.dir, 'workspace', 'mlruns'))).map((file) => readFile(path.join(s.dir, 'workspace', 'mlruns', file), 'utf8')),
    );
    const everything = [
      JSON.stringify(result),
      JSON.stringify(run),
      artifact,
      mlruns.join('\n'),
      JSON.stringify(await s.ledger()),
      JSON.stringify(await readParquetFolder(s.volumeDir('ingested'))),
      JSON.stringify(s.reporter.events),
      ...failures.map((failure) => `${String(failure)} ${JSON.stringify(failure)} ${failure instanceof Error ? `${failure.stack} ${JSON.stringify((failure as { details?: unknown }).details)}` : ''}`),
    ].join('\n');
    expect(run.data.params.source_path).toBe(`${azurite().blobEndpoint}/${name}/landing`);
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});
