import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Classifier } from '../../../src/model/classifier.js';
import { runCli } from '../../../src/cli/run-cli.js';
import { OUTPUT_MARKER } from '../../../src/stages/score/output-safety.js';
import { runScore } from '../../../src/stages/score/score.js';
import { openTracking } from '../../../src/tracking/open.js';
import type { VolumeStore } from '../../../src/workspace/types.js';
import { readParquetFile, readParquetFolder } from '../../helpers/read-parquet.js';
import { IRIS_FEATURES, IRIS_LABELS, irisClassifier, irisColumns, registerChampion, SCORED_AT, SCORING_MODEL, scoringWorkspace, writeInput } from '../../helpers/scoring-model.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { rangedOnly } from '../../helpers/ranged-volumes.js';

const tempDir = useTempDirs();
let classifier: Classifier;
beforeAll(async () => {
  classifier = await irisClassifier();
});

const EXPECTED_COLUMNS = [...IRIS_FEATURES, 'prediction', ...IRIS_LABELS.map((l) => `probability_${l}`), 'model_name', 'model_version', 'scored_at'];

/** The Classifier's own answers for rows given by column: the reference every output is checked against. */
function reference(columns: Float64Array[]): { labels: string[]; proba: Float32Array } {
  const rows = columns[0]!.length;
  const features = new Float32Array(rows * 4);
  columns.forEach((column, j) => column.forEach((value, r) => (features[r * 4 + j] = value)));
  const proba = classifier.predictProba(features, rows);
  return { labels: Array.from(classifier.predictLabels(proba, rows), (i) => IRIS_LABELS[i]!), proba };
}

async function setup(): Promise<{ dir: string; ctx: ReturnType<typeof scoringWorkspace>['ctx']; reporter: ReturnType<typeof scoringWorkspace>['reporter']; version: string }> {
  const dir = await tempDir();
  const { ctx, reporter } = scoringWorkspace(dir);
  const version = await registerChampion(ctx, classifier);
  return { dir, ctx, reporter, version };
}

function params(overrides: Record<string, string>): Record<string, string> {
  return { model_name: SCORING_MODEL, catalog_name: 'main', schema_name: 'iris', batch_size: '64', ...overrides };
}

/** Iris split over two ingest-date folders, with a hidden leftover and a _SUCCESS marker that must be skipped. */
async function irisFolder(dir: string): Promise<{ folder: string; columns: Float64Array[] }> {
  const { columns, species } = irisColumns();
  const folder = join(dir, 'ingested');
  await mkdir(join(folder, 'ingest_date=2024-01-01'), { recursive: true });
  await mkdir(join(folder, 'ingest_date=2024-01-02'), { recursive: true });
  const part = (from: number, to: number) => columns.map((column) => column.slice(from, to));
  const label = (from: number, to: number) => ({ species: arrow.vectorFromArray(species.slice(from, to), new arrow.Utf8()) });
  await writeInput(join(folder, 'ingest_date=2024-01-01', 'a.parquet'), part(0, 100), label(0, 100));
  await writeInput(join(folder, 'ingest_date=2024-01-02', 'b.parquet'), part(100, 150), label(100, 150));
  await writeInput(join(folder, 'ingest_date=2024-01-02', '.mlops-tmp-c.parquet.123'), part(0, 5));
  await writeFile(join(folder, '_SUCCESS'), '');
  return { folder, columns };
}

describe('batch_inference_job from the CLI', () => {
  it('mlops run batch_inference_job -o json reports predictions {path, rows}', async () => {
    const cwd = await tempDir();
    // The bundled mlops.yml's dev target keeps the workspace in ./.mlops: register the champion there.
    const { tracking, registry } = openTracking(`file://${join(cwd, '.mlops', 'mlruns')}`, { baseDir: cwd });
    await registerChampion({ workspace: { tracking, registry } } as never, classifier, 'hp_az_catalog.hp_iris_ml.irisclassifierdemo');
    const { columns } = irisColumns();
    await writeInput(join(cwd, 'iris.parquet'), columns);
    let stdout = '';
    const code = await runCli(['run', 'batch_inference_job', '-o', 'json', '--json', JSON.stringify({ input_path: join(cwd, 'iris.parquet'), output_path: join(cwd, 'scored', 'predictions.parquet') })], {
      stdout: (text) => (stdout += text),
      stderr: () => undefined,
      env: {},
      cwd,
    });
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { status: string; predictions: { path: string; rows: number } };
    expect(result.status).toBe('succeeded');
    expect(result.predictions).toMatchObject({ path: join(cwd, 'scored', 'predictions.parquet'), rows: 150 });
    expect(await readParquetFile(result.predictions.path)).toHaveLength(150);
  });
});

describe('batch_inference_job (runScore) on a local workspace', () => {
  it('scores a folder of Parquet files into one Parquet file: the fixed schema, the champion, the same answers as the Classifier', async () => {
    const { dir, ctx, version } = await setup();
    const { folder, columns } = await irisFolder(dir);
    const summary = await runScore(ctx, params({ input_path: folder, output_path: join(dir, 'out', 'predictions.parquet') }), {});
    expect(summary).toMatchObject({ rows: 150, path: join(dir, 'out', 'predictions.parquet'), model: { name: SCORING_MODEL, version, uri: `models:/${SCORING_MODEL}/${version}` } });

    const rows = await readParquetFile(summary.path);
    expect(Object.keys(rows[0]!)).toEqual(EXPECTED_COLUMNS);
    const { labels, proba } = reference(columns);
    rows.forEach((row, r) => {
      expect(row.sepal_length).toBe(columns[0]![r]);
      expect(row.prediction).toBe(labels[r]);
      // Bit for bit: the same float32 probabilities as Classifier.predictProba, widened to double.
      IRIS_LABELS.forEach((label, k) => expect(row[`probability_${label}`]).toBe(proba[r * 3 + k]));
      expect(row).toMatchObject({ model_name: SCORING_MODEL, model_version: version });
      expect((row.scored_at as Date).getTime()).toBe(SCORED_AT);
    });
    // 64-row batches are 64-row row groups: the files were streamed batch by batch.
    const metadata = parquetMetadata((await readFile(summary.path)).buffer as ArrayBuffer);
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([64, 36, 50]);
    // Snappy, except where it would save < 30% of a chunk: here every page is too small to shrink.
    const codecs = (bytes: Buffer) => new Set(parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)));
    expect([...codecs(await readFile(summary.path))].every((codec) => codec === 'SNAPPY' || codec === 'UNCOMPRESSED')).toBe(true);
    const allSnappy = await runScore(ctx, params({ input_path: folder, output_path: join(dir, 'out', 'all-snappy.parquet') }), {}, { minCompressionSavings: 0 });
    expect(codecs(await readFile(allSnappy.path))).toEqual(new Set(['SNAPPY']));
  });

  it('writes the predictions table by default (the pipeline e2e path), with plain string columns', async () => {
    const { dir, ctx } = await setup();
    const { folder } = await irisFolder(dir);
    const summary = await runScore(ctx, params({ input_path: folder, output_table: 'iris_predictions' }), {});
    expect(summary).toMatchObject({ rows: 150, table: 'main.iris.iris_predictions' });
    const info = await ctx.workspace.tables.describe('main.iris.iris_predictions');
    expect(info.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(EXPECTED_COLUMNS.map((name, i) => `${name}:${i < 4 || name.startsWith('probability') ? 'Float64' : name === 'scored_at' ? 'Timestamp<MILLISECOND, UTC>' : 'Utf8'}`));
    const rows = await readParquetFolder(summary.path);
    expect(rows).toHaveLength(150);
    expect(new Set(rows.map((r) => r.prediction))).toEqual(new Set(IRIS_LABELS));
  });

  it('reads input_path as a table name too', async () => {
    const { dir, ctx } = await setup();
    const { columns } = irisColumns();
    const table = new arrow.Table(Object.fromEntries(IRIS_FEATURES.map((name, j) => [name, arrow.makeVector(columns[j]!)])));
    await ctx.workspace.tables.write('main.iris.features', table.batches, { mode: 'overwrite' });
    const summary = await runScore(ctx, params({ input_path: 'main.iris.features', output_path: join(dir, 'scored.parquet') }), {});
    const rows = await readParquetFile(summary.path);
    expect(rows.map((r) => r.prediction)).toEqual(reference(columns).labels);
  });

  it('partitions a folder output by a column, Hive style, the column moved into the folder names', async () => {
    const { dir, ctx } = await setup();
    const { folder, columns } = await irisFolder(dir);
    const out = join(dir, 'by-label');
    await runScore(ctx, params({ input_path: folder, output_path: out, partition_by: 'prediction' }), {});
    const labels = reference(columns).labels;
    const names = (await readdir(out)).sort();
    // The folder is marked as this job's output (so a later run may replace it), beside the partitions.
    expect(names[0]).toBe(OUTPUT_MARKER);
    const folders = names.slice(1);
    expect(folders).toEqual([...new Set(labels)].sort().map((l) => `prediction=${l}`));
    for (const name of folders) {
      const rows = await readParquetFolder(join(out, name));
      expect(Object.keys(rows[0]!)).not.toContain('prediction');
      expect(rows).toHaveLength(labels.filter((l) => `prediction=${l}` === name).length);
    }
    // A reader that knows Hive partitioning gets the column back.
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const counts = (await connection.runAndReadAll(`SELECT prediction, count(*) AS n FROM read_parquet('${out}/*/*.parquet', hive_partitioning = true) GROUP BY prediction ORDER BY prediction`)).getRowObjectsJS();
      expect(counts.reduce((sum, row) => sum + Number(row.n), 0)).toBe(150);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('overwrites or appends a folder output, as mode says', async () => {
    const { dir, ctx } = await setup();
    const { folder } = await irisFolder(dir);
    const out = join(dir, 'scored');
    await runScore(ctx, params({ input_path: folder, output_path: out }), {});
    await runScore(ctx, params({ input_path: folder, output_path: out, mode: 'append' }), {});
    expect(await readParquetFolder(out)).toHaveLength(300);
    expect((await readdir(out)).filter((f) => f.endsWith('.parquet'))).toHaveLength(2);
    await runScore(ctx, params({ input_path: folder, output_path: out, mode: 'overwrite' }), {});
    expect(await readParquetFolder(out)).toHaveLength(150);
    expect((await readdir(dir)).filter((name) => name.startsWith('.mlops-tmp-'))).toEqual([]);
  });

  it('leaves the previous output intact when a run fails half way, and publishes nothing of it', async () => {
    const { dir, ctx, reporter } = await setup();
    const { folder } = await irisFolder(dir);
    const file = join(dir, 'predictions.parquet');
    await runScore(ctx, params({ input_path: folder, output_path: file }), {});
    const before = await readFile(file);
    // Abort after the first batch has been scored (and handed to the writer).
    const controller = new AbortController();
    const aborting = { ...ctx, signal: controller.signal, reporter: { report: (event: Parameters<typeof reporter.report>[0]) => event.type === 'progress' && controller.abort() } };
    await expect(runScore(aborting, params({ input_path: folder, output_path: file }), {})).rejects.toMatchObject({ code: 'ABORTED' });
    expect((await readFile(file)).equals(before)).toBe(true);
    expect((await readdir(dir)).filter((name) => name.startsWith('.mlops-tmp-'))).toEqual([]);
  });

  it('fails naming a missing feature column, or a non-numeric one, before any output exists', async () => {
    const { dir, ctx } = await setup();
    const { columns } = irisColumns();
    const good = join(dir, 'in', 'a.parquet');
    await mkdir(join(dir, 'in'));
    await writeInput(good, columns);
    const missing = join(dir, 'in', 'b.parquet');
    await writeFile(missing, (await import('../../../src/io/parquet.js')).tableToParquet(new arrow.Table({ sepal_length: arrow.makeVector(columns[0]!) })));
    const out = join(dir, 'out');
    await expect(runScore(ctx, params({ input_path: join(dir, 'in'), output_path: out }), {})).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
      message: expect.stringMatching(/in\/b\.parquet: feature column "sepal_width" is missing/),
    });
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });

    const wrongType = join(dir, 'strings.parquet');
    await writeInput(wrongType, columns, { petal_width: arrow.vectorFromArray(Array.from(columns[3]!, String), new arrow.Utf8()) });
    await expect(runScore(ctx, params({ input_path: wrongType, output_path: out }), {})).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
      message: expect.stringMatching(/feature column "petal_width" must be numeric .* found Utf8/),
    });
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('with on_invalid: error, stops at a null or NaN feature naming the file, row and column; nothing is published', async () => {
    const { dir, ctx } = await setup();
    const { columns } = irisColumns();
    const input = join(dir, 'bad.parquet');
    const widths = Array.from(columns[1]!, (v, r) => (r === 130 ? null : v));
    await writeInput(input, columns, { sepal_width: arrow.vectorFromArray(widths, new arrow.Float64()) });
    const out = join(dir, 'out.parquet');
    // In this thread, and with the input decoded on a reader thread (row numbers and nulls cross it);
    // in a later batch, and in the first (before any batch is written to the output, staged meanwhile).
    for (const [tuning, batchSize] of [[{}, '16'], [{ workers: 1 }, '16'], [{}, '256']] as const) {
      await expect(runScore(ctx, params({ input_path: input, output_path: out, batch_size: batchSize }), {}, tuning)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/bad\.parquet, row 131: feature "sepal_width" is null/),
      });
      await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
      // What was staged for the output is gone too.
      expect((await readdir(dir)).filter((name) => name.startsWith('.mlops-tmp-'))).toEqual([]);
    }
  });

  it('with on_invalid: null, writes such rows with a null prediction and probabilities and says why in invalid_reason', async () => {
    const { dir, ctx } = await setup();
    const { columns } = irisColumns();
    const input = join(dir, 'bad.parquet');
    const lengths = Float64Array.from(columns[0]!, (v, r) => (r === 3 ? Number.NaN : r === 4 ? Number.POSITIVE_INFINITY : v));
    const widths = Array.from(columns[1]!, (v, r) => (r === 5 || r === 4 ? null : v));
    await writeInput(input, [lengths, ...columns.slice(1)], { sepal_width: arrow.vectorFromArray(widths, new arrow.Float64()) });
    const summary = await runScore(ctx, params({ input_path: input, output_path: join(dir, 'out.parquet'), on_invalid: 'null' }), {});
    const rows = await readParquetFile(summary.path);
    expect(Object.keys(rows[0]!)).toEqual([...EXPECTED_COLUMNS.slice(0, 8), 'invalid_reason', ...EXPECTED_COLUMNS.slice(8)]);
    expect(rows[3]).toMatchObject({ prediction: null, probability_setosa: null, invalid_reason: 'sepal_length is NaN' });
    expect(rows[4]).toMatchObject({ prediction: null, sepal_width: null, invalid_reason: 'sepal_length is Infinity; sepal_width is null' });
    expect(rows[5]).toMatchObject({ prediction: null, sepal_width: null, invalid_reason: 'sepal_width is null' });
    // Every other row is scored as usual.
    const { labels } = reference(columns);
    rows.forEach((row, r) => {
      if (r < 3 || r > 5) expect(row).toMatchObject({ prediction: labels[r], invalid_reason: null });
    });
    // The same file when a reader thread decodes the input and an encoding thread writes it.
    const threaded = await runScore(ctx, params({ input_path: input, output_path: join(dir, 'threaded.parquet'), on_invalid: 'null' }), {}, { workers: 1 });
    expect((await readFile(threaded.path)).equals(await readFile(summary.path))).toBe(true);
  });

  it('turns an empty input into an empty output with the prediction schema', async () => {
    const { dir, ctx } = await setup();
    const empty = join(dir, 'empty.parquet');
    await writeInput(empty, IRIS_FEATURES.map(() => new Float64Array(0)));
    const summary = await runScore(ctx, params({ input_path: empty, output_path: join(dir, 'out.parquet') }), {});
    expect(summary.rows).toBe(0);
    const bytes = await readFile(summary.path);
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    expect(Number(metadata.num_rows)).toBe(0);
    expect(metadata.schema.slice(1).map((s) => s.name)).toEqual(EXPECTED_COLUMNS);
    // An empty folder too, into a folder output and into a table.
    await mkdir(join(dir, 'nothing'));
    const folder = await runScore(ctx, params({ input_path: join(dir, 'nothing'), output_path: join(dir, 'empty-out') }), {});
    expect(await readParquetFolder(folder.path)).toEqual([]);
    const table = await runScore(ctx, params({ input_path: join(dir, 'nothing'), output_table: 'empty_predictions' }), {});
    expect((await ctx.workspace.tables.describe(table.table!)).schema.fields.map((f) => f.name)).toEqual(EXPECTED_COLUMNS);
  });

  it('gives the same file with reader and encoding worker threads as without', async () => {
    const { dir, ctx } = await setup();
    const { folder } = await irisFolder(dir);
    const withWorkers = await runScore(ctx, params({ input_path: folder, output_path: join(dir, 'a.parquet'), batch_size: '16' }), {}, { workers: 2 });
    const inThread = await runScore(ctx, params({ input_path: folder, output_path: join(dir, 'b.parquet'), batch_size: '16' }), {}, { workers: 0 });
    expect((await readFile(withWorkers.path)).equals(await readFile(inThread.path))).toBe(true);
  });

  it('works through the VolumeStore interface alone (another backend): ranged reads in, each byte once; a file or part files out', async () => {
    const { ctx } = await setup();
    const local = ctx.workspace.volumes as VolumeStore & { localPath(path: string): string };
    // Only the interface's methods: no localPath, so nothing can take the local-disk shortcut.
    const { volumes: remote, wholeReads, rangeReads } = rangedOnly(local);
    const viaInterface = { ...ctx, workspace: { ...ctx.workspace, volumes: remote } };
    const { columns } = irisColumns();
    await mkdir(join(local.localPath('/Volumes/main/iris/vol/in/x=1')), { recursive: true });
    await writeInput(local.localPath('/Volumes/main/iris/vol/in/x=1/a.parquet'), columns.map((c) => c.slice(0, 70)));
    await writeInput(local.localPath('/Volumes/main/iris/vol/in/b.parquet'), columns.map((c) => c.slice(70)));
    const sizes = new Map<string, number>();
    for (const name of ['x=1/a.parquet', 'b.parquet']) sizes.set(`/Volumes/main/iris/vol/in/${name}`, (await stat(local.localPath(`/Volumes/main/iris/vol/in/${name}`))).size);
    const totalSize = [...sizes.values()].reduce((a, b) => a + b, 0);
    // Each input byte is read about once (footers and row groups, never a whole file), and never by a whole-file read.
    const expectInputReadOnceByRanges = () => {
      expect(wholeReads.filter((p) => sizes.has(p))).toEqual([]);
      const input = rangeReads.splice(0).filter((read) => sizes.has(read.path));
      expect(new Set(input.map((read) => read.path))).toEqual(new Set(sizes.keys()));
      expect(input.reduce((sum, read) => sum + read.bytes, 0)).toBeLessThanOrEqual(1.1 * totalSize);
      for (const read of input) expect(read.bytes).toBeLessThan(sizes.get(read.path)!);
    };
    const file = await runScore(viaInterface, params({ input_path: '/Volumes/main/iris/vol/in', output_path: '/Volumes/main/iris/vol/out/p.parquet' }), {});
    expect(file.path).toBe('/Volumes/main/iris/vol/out/p.parquet');
    expectInputReadOnceByRanges();
    const rows = await readParquetFile(local.localPath(file.path));
    expect(rows).toHaveLength(150);
    const folder = await runScore(viaInterface, params({ input_path: '/Volumes/main/iris/vol/in', output_path: '/Volumes/main/iris/vol/parts', partition_by: 'model_version' }), {});
    expectInputReadOnceByRanges();
    expect(await readParquetFolder(local.localPath(folder.path))).toHaveLength(150);
  });
});
