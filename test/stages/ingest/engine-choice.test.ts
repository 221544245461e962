import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SparkEngine } from '../../../src/engine/spark-engine.js';
import { runIngest } from '../../../src/stages/ingest/ingest.js';
import { ingestSetup, IRIS_HEADER, listTree } from '../../helpers/ingest-workspace.js';

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});
const setup = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlops-engine-choice-'));
  made.push(dir);
  const s = await ingestSetup(dir, { copySample: false });
  await writeFile(path.join(s.landing, 'a.csv'), `${IRIS_HEADER}\n5.1,3.5,1.4,0.2,setosa\n`);
  return s;
};

describe('which engine ingests', () => {
  it('a Spark engine without ingested_table is a configuration error naming the parameter, before anything is written', async () => {
    const s = await setup();
    // Never contacted: the choice is made before any connection.
    const spark = new SparkEngine({ spec: { remote: 'sc://127.0.0.1:1' }, sessionCatalog: 'spark_catalog' });
    await expect(runIngest({ ...s.ctx, spark }, s.params)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/^The target's engine is Spark \(sc:\/\/127\.0\.0\.1:1\): set the ingest parameter ingested_table/),
    });
    expect(await listTree(s.volumeDir(''))).toEqual([]);
  });

  it('ingested_table without a Spark engine is a configuration error too', async () => {
    const s = await setup();
    await expect(runIngest(s.ctx, { ...s.params, ingested_table: 'main.iris.raw' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('ingested_table is main.iris.raw, but the target has no Spark engine'),
    });
    expect(await listTree(s.volumeDir(''))).toEqual([]);
  });
});
