import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparkEngine } from '../../../src/engine/spark-engine.js';
import { tableToParquet } from '../../../src/io/parquet.js';
import type { StageContext } from '../../../src/stages/context.js';
import { runIngest } from '../../../src/stages/ingest/ingest.js';
import type { IngestParams } from '../../../src/stages/ingest/params.js';
import { readIngested } from '../../../src/stages/ingest/read.js';
import { attemptTag } from '../../../src/stages/ingest/spark/compile.js';
import { SparkSession } from '../../../src/spark/session.js';
import { ingestSetup, IRIS_HEADER, VOLUME } from '../../helpers/ingest-workspace.js';
import { startSparkConnect, type SparkConnectServer } from '../helpers/spark-connect.js';

// Ingest on Spark against one real Spark Connect server (PySpark's jars, local[2]) for the whole file.
let server: SparkConnectServer;
let spark: SparkSession;
let root: string;
const engines: SparkEngine[] = [];
const engine = (): SparkEngine => {
  const made = new SparkEngine({ spec: { remote: server.url }, sessionCatalog: 'spark_catalog' });
  engines.push(made);
  return made;
};

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mlops-spark-ingest-'));
  server = await startSparkConnect();
  spark = await engine().session();
});

afterAll(async () => {
  for (const made of engines) await made.stop();
  await server?.stop();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

// The ingest crash child (a real process that SIGKILLs itself at a step), given the Spark server's URL.
const CHILD = fileURLToPath(new URL('../../fixtures/ingest/crash-child.mjs', import.meta.url));

/** Landing files with good rows, every kind of bad row, extra columns and two files that cannot be read. */
async function writeLanding(landing: string): Promise<void> {
  await mkdir(landing, { recursive: true });
  await writeFile(
    path.join(landing, 'a.csv'),
    [
      IRIS_HEADER,
      '5.1,3.5,1.4,0.2,setosa',
      ' 4.9 ,3.0,1.4,0.2,setosa',
      '6.3,oops,4.9,1.5,versicolor',
      '5.0,3.4,1.5,0.2,daisy',
      '5.0,,1.5,0.2,setosa',
      '5.0,3.4,1.5',
      '1e400,3.4,1.5,0.2,setosa',
      '6.5,3.0,5.2,2.0,virginica',
      '',
    ].join('\n'),
  );
  // Columns in another order, and one outside the schema (rescued).
  await writeFile(
    path.join(landing, 'b.csv'),
    ['species,petal_width,petal_length,sepal_width,sepal_length,note', 'virginica,2.3,6.1,3.0,7.7,tall', 'versicolor,1.3,4.0,2.8,5.7,', 'setosa,x,1.4,3.0,4.4,short', ''].join('\n'),
  );
  await writeFile(
    path.join(landing, 'c.jsonl'),
    [
      '{"sepal_length": 5.4, "sepal_width": 3.9, "petal_length": 1.7, "petal_width": 0.4, "species": "setosa"}',
      '{"sepal_length": "6.0", "sepal_width": 2.2, "petal_length": 4.0, "petal_width": 1.0, "species": "versicolor", "note": "from text"}',
      '{"sepal_length": "abc", "sepal_width": 2.2, "petal_length": 4.0, "petal_width": 1.0, "species": "versicolor"}',
      '{"sepal_length": 6.1, "sepal_width": 2.8, "petal_length": 4.7, "petal_width": 1.2, "species": null}',
      '{"sepal_length": 6.1, "sepal_width": 2.8,',
      '',
    ].join('\n'),
  );
  const parquet = arrow.tableFromArrays({
    sepal_length: Float64Array.from([6.7, 5.8, 6.0]),
    sepal_width: Float64Array.from([3.1, 2.7, 2.9]),
    petal_length: Float64Array.from([4.4, 5.1, 4.5]),
    petal_width: Float64Array.from([1.4, 1.9, 1.5]),
    species: ['versicolor', 'virginica', 'tulip'],
  });
  await writeFile(path.join(landing, 'd.parquet'), tableToParquet(parquet));
  // Cannot be ingested at all: a header without petal_width, and bytes that are not Parquet.
  await writeFile(path.join(landing, 'e.csv'), 'sepal_length,sepal_width,petal_length,species\n5.1,3.5,1.4,setosa\n');
  await writeFile(path.join(landing, 'f.parquet'), 'this is not a parquet file, only text pretending to be one\n');
}

type Row = Record<string, unknown>;
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species', '_rescued_data', '_source_file'] as const;
const fileName = (row: Row) => String(row._source_file).split('/').pop();
const goodKey = (row: Row) => FEATURES.map((name) => (name === '_source_file' ? fileName(row) : String(row[name] ?? null))).join('|');
// Spark gives no line numbers, and for a record it parsed the raw text is its values as JSON (docs/spark-ingest.md);
// the JSON and Parquet readers' own messages differ: compare what is the same on both engines.
const badKey = (row: Row) => {
  const reason = String(row.reason);
  const same = reason.startsWith('not valid JSON') ? 'not valid JSON' : /^(the file is not a Parquet file|Spark cannot read it as PARQUET)/.test(reason) ? 'not Parquet' : reason;
  return `${fileName(row)}|${same}`;
};

async function sparkRows(table: string): Promise<Row[]> {
  return (await spark.table(`spark_catalog.${table}`).collect()) as Row[];
}

function sparkParams(s: { params: IngestParams }, landing: string, table: string): IngestParams {
  return { ...s.params, source_path: landing, ingested_table: `main.${table}` };
}

describe('ingest on Spark', () => {
  it('the same landing files give the same good and quarantined rows as the local engine; a rerun reads nothing again', async () => {
    const landing = path.join(root, 'parity-landing');
    await writeLanding(landing);
    const local = await ingestSetup(path.join(root, 'parity-local'), { copySample: false });
    const localResult = await runIngest(local.ctx, { ...local.params, source_path: landing });
    const onSpark = await ingestSetup(path.join(root, 'parity-spark'), { copySample: false });
    const ctx: StageContext = { ...onSpark.ctx, spark: engine() };
    const sparkResult = await runIngest(ctx, sparkParams(onSpark, landing, 'parity.iris'));

    const localGood = (await readIngested(local.volumes, `${VOLUME}/ingested`)).toArray().map((row) => row.toJSON() as Row);
    const localBad = (await readIngested(local.volumes, `${VOLUME}/quarantine`)).toArray().map((row) => row.toJSON() as Row);
    const good = await sparkRows('parity.iris');
    const bad = await sparkRows('parity.iris_quarantine');

    expect(good.map(goodKey).sort()).toEqual(localGood.map(goodKey).sort());
    expect(bad.map(badKey).sort()).toEqual(localBad.map(badKey).sort());
    // What the data holds, so equality above is not two engines agreeing on nothing.
    expect(good).toHaveLength(9);
    expect(good.find((row) => row.sepal_length === 7.7)).toMatchObject({ species: 'virginica', _rescued_data: '{"note":"tall"}' });
    expect(bad.map((row) => row.reason)).toEqual(
      expect.arrayContaining([
        'sepal_width "oops" is not a number',
        'species "daisy" is not one of setosa, versicolor, virginica',
        'sepal_width is empty',
        'expected 5 fields, found 3',
        'sepal_length "1e400" is out of the float64 range',
        'species is null',
        'species "tulip" is not one of setosa, versicolor, virginica',
      ]),
    );
    expect(bad.find((row) => row.reason === 'expected 5 fields, found 3')?.raw_record).toBe('5.0,3.4,1.5');
    expect(bad.filter((row) => row.raw_record === null).map(fileName).sort()).toEqual(['e.csv', 'f.parquet']);
    const wholeCsv = bad.find((row) => fileName(row) === 'e.csv');
    expect(wholeCsv?.reason).toBe(localBad.find((row) => fileName(row) === 'e.csv')?.reason);
    expect(bad.find((row) => fileName(row) === 'f.parquet')?.reason).toMatch(/^Spark cannot read it as PARQUET: .*not a Parquet file/);

    const { run_id: _localRun, data_digest: localDigest, output_path: _lo, quarantine_path: _lq, quarantined_files: localFiles, ...localCounts } = localResult;
    const { run_id: _sparkRun, data_digest: sparkDigest, output_path, quarantine_path, quarantined_files: sparkFiles, ...sparkCounts } = sparkResult;
    expect(sparkCounts).toEqual(localCounts);
    expect(sparkFiles.map((file) => file.path)).toEqual(localFiles.map((file) => file.path));
    // Spark hashes the files where it reads them: the same sha256, so the same data digest.
    expect(sparkDigest).toBe(localDigest);
    expect({ output_path, quarantine_path }).toEqual({ output_path: 'main.parity.iris', quarantine_path: 'main.parity.iris_quarantine' });

    const again = await runIngest(ctx, sparkParams(onSpark, landing, 'parity.iris'));
    expect(again).toMatchObject({ files_ingested: 0, files_skipped: 6, rows_written: 0 });
    expect(await sparkRows('parity.iris')).toHaveLength(9);
  });

  it('kill -9 at each point of an ingestion, then a rerun: every row exactly once, no uncommitted attempt left', async () => {
    const landing = path.join(root, 'crash-landing');
    await mkdir(landing, { recursive: true });
    const csv = (rows: string[]) => `${IRIS_HEADER}\n${rows.join('\n')}\n`;
    await writeFile(path.join(landing, 'c.csv'), csv(['7.0,3.2,4.7,1.4,versicolor', '7.1,3.2,4.7,1.4,versicolor']));
    const s = await ingestSetup(path.join(root, 'crash'), { copySample: false });
    const params = sparkParams(s, landing, 'crash.iris');
    await runIngest({ ...s.ctx, spark: engine() }, params);
    // New files arrive and c.csv is rewritten: its earlier rows must be replaced, not kept beside the new ones.
    await writeFile(path.join(landing, 'a.csv'), csv(['4.0,3.0,1.5,0.2,setosa', '4.1,3.0,1.5,0.2,setosa', '4.2,bad,1.5,0.2,setosa']));
    await writeFile(path.join(landing, 'b.jsonl'), '{"sepal_length": 5.0, "sepal_width": 3.4, "petal_length": 1.5, "petal_width": 0.2, "species": "virginica"}\n');
    await writeFile(path.join(landing, 'c.csv'), csv(['7.7,3.8,6.7,2.2,virginica', '7.8,3.8,6.7,2.2,virginica', '7.9,3.8,6.7,2.2,virginica']));

    // One child after another, each killed further on; each one first recovers what the previous left.
    const crashes = [
      { step: 'part-written', occurrence: 1 }, // a.csv's good rows appended, its quarantine not yet; b.jsonl and c.csv only intended
      { step: 'outputs-written', occurrence: 1 }, // both appended, the ledger not yet told
      { step: 'committed', occurrence: 1 }, // a.csv committed; b.jsonl and c.csv still pending
      { step: 'committed', occurrence: 2 }, // c.csv committed, its earlier rows not yet dropped
    ];
    for (const crashAt of crashes) {
      const child = await new Promise<{ signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
        execFile(process.execPath, [CHILD, JSON.stringify({ dir: s.dir, params, remote: server.url, crashAt })], { env: { PATH: process.env.PATH ?? '' } }, (error, _stdout, stderr) => {
          resolve({ signal: (error as { signal?: NodeJS.Signals } | null)?.signal ?? null, stderr });
        });
      });
      expect(child, `killed at ${crashAt.step} #${crashAt.occurrence}`).toMatchObject({ signal: 'SIGKILL' });
    }
    // The last child died after every commit: the rerun only drops c.csv's replaced rows, and reads nothing again.
    const rerun = await runIngest({ ...s.ctx, spark: engine() }, params);
    expect(rerun).toMatchObject({ files_ingested: 0, files_skipped: 3 });
    expect(s.reporter.events.some((event) => 'message' in event && /^Recovered from an interrupted ingestion/.test(String(event.message)))).toBe(true);

    const good = (await sparkRows('crash.iris')).map((row) => `${fileName(row)}:${row.sepal_length}`).sort();
    expect(good).toEqual(['a.csv:4', 'a.csv:4.1', 'b.jsonl:5', 'c.csv:7.7', 'c.csv:7.8', 'c.csv:7.9']);
    const bad = (await sparkRows('crash.iris_quarantine')).map((row) => `${fileName(row)}:${row.reason}`);
    expect(bad).toEqual(['a.csv:sepal_width "bad" is not a number']);
    const ledger = await s.ledger();
    expect({ pending: ledger.pending, obsolete: ledger.obsolete }).toEqual({ pending: [], obsolete: [] });
    // Only the attempts the ledger names have rows.
    const named = ledger.files.flatMap((entry) => entry.output_files).map((output) => output.slice(output.lastIndexOf('=') + 1)).sort();
    const partitions = (await (await spark.sql('SHOW PARTITIONS spark_catalog.crash.iris')).collect()).map((row) => String(row.partition).split('=')[1]).sort();
    expect(partitions.every((attempt) => named.includes(attempt!))).toBe(true);
    expect(partitions).toHaveLength(3);
  });

  it('a rerun first stops the writes Spark still runs for a killed ingestion, then drops their partitions', async () => {
    const landing = path.join(root, 'orphan-landing');
    await mkdir(landing, { recursive: true });
    await writeFile(path.join(landing, 'a.csv'), `${IRIS_HEADER}\n5.1,3.5,1.4,0.2,setosa\n6.5,3.0,5.2,2.0,virginica\n`);
    const s = await ingestSetup(path.join(root, 'orphan'), { copySample: false });
    const params = sparkParams(s, landing, 'orphan.iris');
    // The child dies once its intent is in the ledger: the pending attempt names its session and the tag of its writes.
    const child = await new Promise<NodeJS.Signals | null>((resolve) => {
      execFile(process.execPath, [CHILD, JSON.stringify({ dir: s.dir, params, remote: server.url, crashAt: { step: 'intent-written', occurrence: 1 } })], { env: { PATH: process.env.PATH ?? '' } }, (error) =>
        resolve((error as { signal?: NodeJS.Signals } | null)?.signal ?? null),
      );
    });
    expect(child).toBe('SIGKILL');
    const [pending] = (await s.ledger()).pending;
    const stem = pending!.prefixes[0]!.name_prefix;
    expect(pending!.spark).toMatchObject({ operation_tag: attemptTag(stem) });
    // What Spark still runs for the dead process: a tagged append into the attempt's partition, in its
    // session, not finished yet (a sleep in the query holds it; it would land after the drop).
    const dead = await SparkSession.builder().remote(server.url).attach({ sessionId: pending!.spark!.session_id, userId: pending!.spark!.user_id }).create();
    const orphan = dead
      .sql(
        `INSERT INTO spark_catalog.orphan.iris PARTITION (_ingest_attempt = '${stem}') ` +
          `SELECT 9.9D, 9.9D, 9.9D, 9.9D, 'setosa', CAST(NULL AS STRING), 'orphan', current_timestamp() FROM range(1) ` +
          `WHERE reflect('java.lang.Thread', 'sleep', CAST(60000 AS BIGINT)) IS NULL`,
        undefined,
        { tags: [pending!.spark!.operation_tag] },
      )
      .then(
        () => 'landed',
        (error: Error) => error.message,
      );
    // The server has the operation once a later call of the same connection is answered.
    await dead.conf.get('spark.sql.shuffle.partitions');
    await new Promise((resolve) => setTimeout(resolve, 300));

    await runIngest({ ...s.ctx, spark: engine() }, params);
    expect(s.reporter.events.some((event) => 'message' in event && /^a\.csv: interrupted 1 write\(s\) Spark was still running/.test(String(event.message)))).toBe(true);
    // The orphaned append ended (cancelled) before the rerun went on: it can no longer land.
    expect(await orphan).not.toBe('landed');
    const rows = (await sparkRows('orphan.iris')).map((row) => `${fileName(row)}:${row.sepal_length}`).sort();
    expect(rows).toEqual(['a.csv:5.1', 'a.csv:6.5']);
    const partitions = (await (await spark.sql('SHOW PARTITIONS spark_catalog.orphan.iris')).collect()).map((row) => String(row.partition).split('=')[1]);
    expect(partitions).not.toContain(stem);
    await dead.stop().catch(() => undefined);
  });

  it('a wrong Spark URL fails at once with an error naming it, before anything is written', async () => {
    const s = await ingestSetup(path.join(root, 'wrong-url'), { copySample: false });
    await writeFile(path.join(s.landing, 'a.csv'), `${IRIS_HEADER}\n5.1,3.5,1.4,0.2,setosa\n`);
    const wrong = new SparkEngine({ spec: { remote: 'sc://127.0.0.1:1' }, sessionCatalog: 'spark_catalog' });
    const failure = runIngest({ ...s.ctx, spark: wrong }, { ...s.params, ingested_table: 'main.wrong.iris' });
    await expect(failure).rejects.toThrow(/^Cannot reach the Spark Connect server at sc:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
    expect((await s.ledger()).files).toEqual([]);
    expect(await spark.catalog.databaseExists('spark_catalog.wrong')).toBe(false);
  });
});
