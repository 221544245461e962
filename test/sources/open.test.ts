import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalSource } from '../../src/sources/local.js';
import { openSource } from '../../src/sources/open.js';

describe('openSource', () => {
  it('resolves a relative path against baseDir', async () => {
    const source = await openSource('data/landing', { baseDir: '/project' });
    expect(source).toBeInstanceOf(LocalSource);
    expect(source.url).toBe(pathToFileURL(path.resolve('/project', 'data/landing')).href);
  });

  it('keeps an absolute path and accepts file:// URLs', async () => {
    expect((await openSource('/srv/landing', { baseDir: '/project' })).url).toBe(pathToFileURL('/srv/landing').href);
    expect((await openSource('file:///srv/landing', { baseDir: '/project' })).url).toBe(pathToFileURL('/srv/landing').href);
  });

  it('says ADLS sources are not supported yet, without leaking a SAS token', async () => {
    await expect(openSource('abfss://landing@acct.dfs.core.windows.net/iris', { baseDir: '/p' })).rejects.toThrow(
      /abfss:\/\/landing@acct\.dfs\.core\.windows\.net\/iris: ADLS Gen2 sources .* not supported yet/,
    );
    const https = openSource('https://acct.blob.core.windows.net/landing?sv=2024&sig=SECRET', { baseDir: '/p' });
    await expect(https).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(https).rejects.toThrow(/\?<redacted>/);
    await expect(openSource('https://acct.blob.core.windows.net/landing?sv=2024&sig=SECRET', { baseDir: '/p' })).rejects.not.toThrow(/SECRET/);
  });

  it('rejects other schemes and empty input', async () => {
    await expect(openSource('s3://bucket/key', { baseDir: '/p' })).rejects.toThrow(/unsupported scheme "s3:\/\/"/);
    await expect(openSource('  ', { baseDir: '/p' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
