import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalSource } from '../../../src/sources/local.js';
import { ingestStatus, replayIngested, toSourcePath } from '../../../src/stages/ingest/manage.js';
import { runIngest } from '../../../src/stages/ingest/ingest.js';
import { uploadLanding, useAzurite } from '../../helpers/azurite.js';
import { ingestSetup, SAMPLE_LANDING } from '../../helpers/ingest-workspace.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('toSourcePath', () => {
  it('takes a path as the ledger names it, the file URL, or a local path under the folder', () => {
    const source = new LocalSource({ root: '/srv/landing' });
    expect(toSourcePath(source, 'a/b.csv')).toBe('a/b.csv');
    expect(toSourcePath(source, './a/b.csv')).toBe('a/b.csv');
    expect(toSourcePath(source, pathToFileURL('/srv/landing/a/b c.csv').href)).toBe('a/b c.csv');
    expect(toSourcePath(source, path.join('/srv/landing', 'a', 'b.csv'))).toBe('a/b.csv');
    expect(toSourcePath(source, '/elsewhere/b.csv')).toBe('/elsewhere/b.csv');
  });
});

describe('ingestStatus', () => {
  it('still shows the ledger when the source cannot be listed, with the reason', async () => {
    const s = await ingestSetup(await tempDir());
    await runIngest(s.ctx, s.params);
    const status = await ingestStatus(s.ctx, { ...s.params, source_path: 'gone' });
    expect(status.listing_error).toMatch(/^Source folder .*gone does not exist$/);
    expect(status.totals).toMatchObject({ ingested: 3, rows: 150 });
    expect(status.files.map((file) => file.status)).toEqual(['ingested', 'ingested', 'ingested']);
    expect(status.interrupted).toEqual([]);
  });
});

describe('status and replay of an ADLS Gen2 source (azurite)', () => {
  const azurite = useAzurite();

  it('take the credentials from the stage context env, not from process.env', async () => {
    expect(process.env.AZURE_STORAGE_CONNECTION_STRING).toBeUndefined();
    const url = await uploadLanding(azurite(), 'manage', SAMPLE_LANDING);
    const s = await ingestSetup(await tempDir(), { copySample: false });
    const ctx = { ...s.ctx, env: { AZURE_STORAGE_CONNECTION_STRING: azurite().connectionString } };
    const params = { ...s.params, source_path: url };
    await runIngest(ctx, params);
    const status = await ingestStatus(ctx, params);
    expect(status.listing_error).toBeUndefined();
    expect(status.totals).toMatchObject({ ingested: 3, new: 0, changed: 0, missing: 0, rows: 150 });
    const replayed = await replayIngested(ctx, params, ['iris_part_002.csv']);
    expect(replayed).toMatchObject({ files_ingested: 1, rows_written: 50 });
  });
});
