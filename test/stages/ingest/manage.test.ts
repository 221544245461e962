import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalSource } from '../../../src/sources/local.js';
import { ingestStatus, toSourcePath } from '../../../src/stages/ingest/manage.js';
import { runIngest } from '../../../src/stages/ingest/ingest.js';
import { ingestSetup } from '../../helpers/ingest-workspace.js';
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
