import { execFile } from 'node:child_process';
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as arrow from 'apache-arrow';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { tableToParquet } from '../../src/io/parquet.js';
import { PLAIN_FIRST_BATCH_MIN_ROWS } from '../../src/stages/score/score.js';
import { IRIS_FEATURES, irisColumns } from '../helpers/scoring-model.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const repoRoot = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** The `mlops` bin as package.json declares it: the bundle scripts/bundle-cli.mjs builds (npm test builds first). */
async function bin(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { bin: { mlops: string } };
  return join(repoRoot, pkg.bin.mlops);
}

describe('the bundled mlops bin (dist/cli/mlops.mjs)', () => {
  it('is the package bin, executable, and one file apart from lazily imported chunks', async () => {
    const path = await bin();
    expect(path).toBe(join(repoRoot, 'dist', 'cli', 'mlops.mjs'));
    expect((await stat(path)).mode & 0o111).toBe(0o111);
    const source = await readFile(path, 'utf8');
    // Our modules, apache-arrow and yaml are inside; only other packages are imported.
    const imports = source.split('\n').filter((line) => /^import .* from ["'][^"']+["'];$/.test(line));
    expect(imports.length).toBeGreaterThan(3);
    expect(imports.filter((line) => /from ["'](apache-arrow|yaml)["']/.test(line))).toEqual([]);
    expect(imports.filter((line) => /from ["']\.\.?\/(?!chunks\/)/.test(line))).toEqual([]);
    expect(imports.some((line) => line.endsWith('from "parquet-wasm";'))).toBe(true);
  });

  it('runs pipeline_job end to end in a fresh folder (package root, config and stages found from the bundle), then scores a large input with the reading worker', { timeout: 120_000 }, async () => {
    const cwd = await tempDir();
    await cp(join(repoRoot, 'mlops.yml'), join(cwd, 'mlops.yml'));
    await cp(join(repoRoot, 'data', 'landing'), join(cwd, 'data', 'landing'), { recursive: true });
    const { stdout } = await run(await bin(), ['run', 'pipeline_job', '-o', 'json'], { cwd, env: { PATH: process.env.PATH ?? '' } });
    const summary = JSON.parse(stdout);
    expect(summary.status).toBe('succeeded');
    expect(summary.stages.map((stage: { name: string; status: string }) => `${stage.name}:${stage.status}`)).toEqual(
      ['ingest', 'train', 'evaluate', 'approve', 'deploy', 'score'].map((name) => `${name}:succeeded`),
    );
    expect(summary.predictions.rows).toBe(150);

    // batch_inference_job on an input large enough for the reading worker (and the plain-JS first
    // batch): the worker's script is found from the bundle, and its rows arrive after the first batch.
    const { columns } = irisColumns();
    const rows = PLAIN_FIRST_BATCH_MIN_ROWS + 100;
    const big = Object.fromEntries(IRIS_FEATURES.map((name, j) => [name, arrow.makeVector(Float64Array.from({ length: rows }, (_, r) => columns[j]![r % 150]!))]));
    await writeFile(join(cwd, 'big.parquet'), tableToParquet(new arrow.Table(big)));
    const params = JSON.stringify({ input_path: join(cwd, 'big.parquet'), input_table: '', output_path: join(cwd, 'big-scored.parquet') });
    const { stdout: scored } = await run(await bin(), ['run', 'batch_inference_job', '-o', 'json', '--json', params], { cwd, env: { PATH: process.env.PATH ?? '' } });
    const result = JSON.parse(scored);
    expect(result.status).toBe('succeeded');
    expect(result.predictions.rows).toBe(rows);
    const bytes = await readFile(join(cwd, 'big-scored.parquet'));
    expect(Number(parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).num_rows)).toBe(rows);
    const { stdout: version } = await run(await bin(), ['--version'], { cwd });
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(version.trim()).toContain(pkg.version);
  });
});
