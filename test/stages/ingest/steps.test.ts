import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHEMA_FILE } from '../../../src/stages/ingest/stored-schema.js';
import { runIngest } from '../../../src/stages/ingest/ingest.js';
import { LEGACY_LEDGER_FILE_NAME, serializeLedger } from '../../../src/stages/ingest/ledger.js';
import { readIngested } from '../../../src/stages/ingest/read.js';
import { INGEST_STEPS } from '../../../src/stages/ingest/steps.js';
import type { IngestStep } from '../../../src/stages/ingest/steps.js';
import type { ExpectStatic } from 'vitest';
import { ingestSetup, IRIS_HEADER, listTree, VOLUME } from '../../helpers/ingest-workspace.js';
import type { IngestSetup } from '../../helpers/ingest-workspace.js';
import { readParquetFile } from '../../helpers/read-parquet.js';

/**
 * Exactly once under kill -9: a real child process runs the ingestion and SIGKILLs itself at one step
 * (each step in turn, some at several occurrences); then a rerun must leave exactly the expected rows —
 * none twice, none lost — and no file the ledger does not name.
 */
// The crash runs go concurrently (each is mostly a child process): one root for all, removed at the end.
const made: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlops-crash-'));
  made.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});
const CHILD = fileURLToPath(new URL('../../fixtures/ingest/crash-child.mjs', import.meta.url));

const rowsA = Array.from({ length: 25 }, (_, i) => `${(4 + i / 10).toFixed(1)},3.0,1.5,0.2,setosa`);
const rowsB = ['5.0,3.4,1.5,0.2,versicolor', '5.1,oops,1.5,0.2,versicolor', '5.2,3.4,1.5,0.2,versicolor', '5.3,3.4,1.5,0.2,versicolor', '5.4,3.4,1.5,0.2,versicolor'];
const rowsC1 = ['7.0,3.2,4.7,1.4,virginica', '7.1,3.2,4.7,1.4,virginica'];
const rowsC2 = ['7.7,3.8,6.7,2.2,virginica', '7.8,3.8,6.7,2.2,virginica', '7.9,3.8,6.7,2.2,virginica'];

function csv(rows: string[]): string {
  return `${IRIS_HEADER}\n${rows.join('\n')}\n`;
}

/** A landing where c.csv was ingested before, then a.csv (3 parts), b.csv (a bad row) arrived and c.csv was rewritten. */
async function scenario(): Promise<IngestSetup> {
  const s = await ingestSetup(await tempDir(), { copySample: false });
  await writeFile(path.join(s.landing, 'c.csv'), csv(rowsC1));
  await runIngest(s.ctx, s.params);
  await writeFile(path.join(s.landing, 'a.csv'), csv(rowsA));
  await writeFile(path.join(s.landing, 'b.csv'), csv(rowsB));
  await writeFile(path.join(s.landing, 'c.csv'), csv(rowsC2));
  return s;
}

/** The same landing, with the ledger converted back to the single file of earlier releases. */
async function legacyScenario(): Promise<IngestSetup> {
  const s = await scenario();
  const ledger = await s.ledger();
  await s.volumes.write(`${VOLUME}/checkpoints/${LEGACY_LEDGER_FILE_NAME}`, serializeLedger(ledger));
  await s.volumes.delete(`${VOLUME}/checkpoints/ingest_ledger`);
  expect(await listTree(s.volumeDir('checkpoints'))).toEqual([LEGACY_LEDGER_FILE_NAME]);
  return s;
}

type CrashAt = { step: IngestStep; occurrence: number } | { tornWrite: 'delta'; occurrence: number };

function runChild(s: IngestSetup, crashAt?: CrashAt): Promise<{ signal: NodeJS.Signals | null; code: number | null; stdout: string; stderr: string }> {
  const input = JSON.stringify({ dir: s.dir, params: { ...s.params, max_rows_per_file: '10' }, ...(crashAt ? { crashAt } : {}) });
  return new Promise((resolve) => {
    execFile(process.execPath, [CHILD, input], { env: { PATH: process.env.PATH ?? '' } }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
      resolve({ signal: failure?.signal ?? null, code: failure ? (failure.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Exactly the expected rows, once each; no pending work; every file on the volume named by the ledger and vice versa. */
async function expectExactlyOnce(s: IngestSetup, expect: ExpectStatic): Promise<void> {
  const table = await readIngested(s.volumes, `${VOLUME}/ingested`);
  const got = table.toArray().map((row) => `${String(row._source_file).split('/').pop()}:${row.sepal_length}`);
  const expected = [
    ...rowsA.map((row) => `a.csv:${Number(row.split(',')[0])}`),
    ...rowsB.filter((row) => !row.includes('oops')).map((row) => `b.csv:${Number(row.split(',')[0])}`),
    ...rowsC2.map((row) => `c.csv:${Number(row.split(',')[0])}`),
  ];
  expect(got.sort()).toEqual(expected.sort());

  const quarantine = (await listTree(s.volumeDir('quarantine'))).filter((file) => file.endsWith('.parquet'));
  const quarantined = (await Promise.all(quarantine.map((file) => readParquetFile(path.join(s.volumeDir('quarantine'), file))))).flat();
  expect(quarantined.map((row) => row.raw_record)).toEqual(['5.1,oops,1.5,0.2,versicolor']);

  const ledger = await s.ledger();
  expect(ledger.pending).toEqual([]);
  expect(ledger.obsolete).toEqual([]);
  expect(ledger.files.map((entry) => [entry.source_path, entry.rows, entry.rows_quarantined])).toEqual([
    ['a.csv', 25, 0],
    ['b.csv', 4, 1],
    ['c.csv', 3, 0],
  ]);
  const named = ledger.files.flatMap((entry) => [...entry.output_files, ...entry.quarantine_files]).sort();
  // Besides the data, only the schema it was read by (not a ledger file: rewritten whole, atomically).
  const ingestedFiles = await listTree(s.volumeDir('ingested'));
  expect(ingestedFiles).toContain(SCHEMA_FILE);
  const onDisk = [
    ...ingestedFiles.filter((file) => file !== SCHEMA_FILE).map((file) => `${VOLUME}/ingested/${file}`),
    ...quarantine.map((file) => `${VOLUME}/quarantine/${file}`),
  ].sort();
  expect(onDisk).toEqual(named);
  // An atomic write killed midway leaves its temporary file (hidden from listings, like any interrupted local write).
  const checkpointFiles = (await listTree(s.volumeDir('checkpoints'))).filter((file) => !path.basename(file).startsWith('.mlops-tmp-'));
  expect(checkpointFiles).toEqual(['ingest_ledger/snapshot.json']);
}

// Where the crash run stops: every step, and the writes in the middle of a file at several occurrences.
const CRASH_POINTS: (CrashAt & { why: string })[] = [
  { step: 'listed', occurrence: 1, why: 'before anything is written' },
  { step: 'intent-written', occurrence: 1, why: 'attempts recorded, no output yet' },
  { step: 'part-written', occurrence: 1, why: "after a.csv's first part" },
  { step: 'part-written', occurrence: 2, why: "after a.csv's second part" },
  { step: 'outputs-written', occurrence: 1, why: 'a.csv fully written, not committed' },
  { step: 'committed', occurrence: 1, why: 'right after the commit of a.csv' },
  { step: 'part-written', occurrence: 5, why: "after b.csv's quarantine part" },
  { step: 'outputs-written', occurrence: 3, why: 'c.csv rewritten: new rows written, old rows still committed' },
  { step: 'committed', occurrence: 3, why: "c.csv's new rows committed, the old ones not yet deleted" },
  { step: 'obsolete-deleted', occurrence: 1, why: "c.csv's old rows deleted, ledger not yet rewritten" },
  { step: 'compacted', occurrence: 1, why: 'snapshot written at the end, the deltas it covers not yet deleted' },
  { step: 'finished', occurrence: 1, why: 'everything committed, MLflow run still open' },
  { tornWrite: 'delta', occurrence: 1, why: 'during the delta recording the attempts' },
  { tornWrite: 'delta', occurrence: 2, why: "during the delta committing a.csv, its outputs written" },
  { tornWrite: 'delta', occurrence: 4, why: "during the delta committing c.csv's new rows, the old ones still committed" },
];
const label = (point: CrashAt): string => ('step' in point ? `${point.step} #${point.occurrence}` : `a ${point.tornWrite} write #${point.occurrence}`);

describe('exactly once under kill -9', () => {
  it('covers every step of INGEST_STEPS', () => {
    const covered = new Set<IngestStep>([...CRASH_POINTS.flatMap((point) => ('step' in point ? [point.step] : [])), 'recovered', 'migrated']);
    expect([...INGEST_STEPS].filter((step) => !covered.has(step))).toEqual([]);
  });

  it('a run that is not killed passes through every step and ingests exactly once', async () => {
    const s = await scenario();
    const run = await runChild(s);
    expect(run.code).toBe(0);
    const { steps } = JSON.parse(run.stdout) as { steps: Record<string, number> };
    expect(steps).toEqual({ recovered: 1, listed: 1, 'intent-written': 1, 'part-written': 6, 'outputs-written': 3, committed: 3, 'obsolete-deleted': 1, compacted: 1, finished: 1 });
    await expectExactlyOnce(s, expect);
  });

  it.concurrent.for(CRASH_POINTS.map((point) => ({ ...point, at: label(point) })))('killed at $at ($why), then rerun: no duplicate, no lost row', async ({ why: _why, at: _at, ...crashAt }, { expect }) => {
    const s = await scenario();
    const crashed = await runChild(s, crashAt);
    expect(crashed.signal).toBe('SIGKILL');
    const rerun = await runIngest(s.ctx, { ...s.params, max_rows_per_file: '10' });
    expect(rerun.run_id).toMatch(/^[0-9a-f]{32}$/);
    await expectExactlyOnce(s, expect);
  });

  it.concurrent('killed while converting a single-file ledger (new snapshot written, old file not yet deleted), then rerun: still exactly once', async ({ expect }) => {
    const s = await legacyScenario();
    expect((await runChild(s, { step: 'migrated', occurrence: 1 })).signal).toBe('SIGKILL');
    expect(await listTree(s.volumeDir('checkpoints'))).toEqual(expect.arrayContaining([LEGACY_LEDGER_FILE_NAME, 'ingest_ledger/snapshot.json']));
    await runIngest(s.ctx, { ...s.params, max_rows_per_file: '10' });
    await expectExactlyOnce(s, expect);
  });

  it.concurrent('a run over a single-file ledger converts it and ingests exactly once', async ({ expect }) => {
    const s = await legacyScenario();
    const run = await runChild(s);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { steps: Record<string, number> }).steps).toMatchObject({ migrated: 1, committed: 3 });
    await expectExactlyOnce(s, expect);
  });

  it.concurrent('killed again while recovering from a kill, then rerun: still exactly once', async ({ expect }) => {
    const s = await scenario();
    expect((await runChild(s, { step: 'part-written', occurrence: 2 })).signal).toBe('SIGKILL');
    expect((await runChild(s, { step: 'recovered', occurrence: 1 })).signal).toBe('SIGKILL');
    await runIngest(s.ctx, { ...s.params, max_rows_per_file: '10' });
    await expectExactlyOnce(s, expect);
  });
});
