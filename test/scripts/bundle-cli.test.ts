import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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

/** The modules a bundle file imports statically (`import … from "x"`, `import "x"`, `export … from "x"`). */
function importsOf(source: string): string[] {
  return [...source.matchAll(/^(?:import|export)\s[^'"]*?from\s*["']([^"']+)["'];?$|^import\s*["']([^"']+)["'];?$/gm)].map((match) => (match[1] ?? match[2])!);
}

describe('the bundled mlops bin (dist/cli/mlops.mjs)', () => {
  it("is the package bin, executable: one entry and lazily imported chunks that hold our modules, apache-arrow, yaml and better-sqlite3's JavaScript", async () => {
    const path = await bin();
    expect(path).toBe(join(repoRoot, 'dist', 'cli', 'mlops.mjs'));
    expect((await stat(path)).mode & 0o111).toBe(0o111);
    const chunksDir = join(repoRoot, 'dist', 'cli-chunks');
    const chunks = (await readdir(chunksDir)).filter((name) => name.endsWith('.mjs'));
    expect(chunks.length).toBeGreaterThan(3);
    const files = [path, ...chunks.map((name) => join(chunksDir, name))];
    const imports = new Map(await Promise.all(files.map(async (file) => [file, importsOf(await readFile(file, 'utf8'))] as const)));
    const all = [...imports.values()].flat();
    // Our modules, apache-arrow, yaml and better-sqlite3's JavaScript are inside; only other packages are imported from node_modules.
    expect(all.filter((specifier) => /^(apache-arrow|yaml|better-sqlite3)(\/|$)/.test(specifier))).toEqual([]);
    const sources = new Map(await Promise.all(files.map(async (file) => [file, await readFile(file, 'utf8')] as const)));
    const holdsSqlite = (file: string) => sources.get(file)!.includes('function Database(filenameGiven, options)');
    expect(files.filter(holdsSqlite)).toHaveLength(1);
    expect(all).toContain('parquet-wasm/esm');
    // Every relative import is a chunk of this build.
    for (const [file, specifiers] of imports) {
      for (const specifier of specifiers.filter((s) => s.startsWith('.'))) expect(existsSync(resolve(dirname(file), specifier)), `${file} imports ${specifier}`).toBe(true);
    }
    // What `mlops --help` loads (the entry and its static imports) is neither tfjs, SQLite nor the Spark client.
    const loaded = new Set<string>();
    const visit = (file: string): void => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const specifier of imports.get(file) ?? []) if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
    };
    visit(path);
    const packages = [...loaded].flatMap((file) => (imports.get(file) ?? []).filter((s) => !s.startsWith('.') && !s.startsWith('node:')));
    expect(packages.filter((s) => /^(@tensorflow|better-sqlite3|@bufbuild|@connectrpc|parquet-wasm)/.test(s))).toEqual([]);
    expect([...loaded].filter(holdsSqlite)).toEqual([]);
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
