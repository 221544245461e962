import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalSource } from '../../src/sources/local.js';
import { AdlsSource } from '../../src/sources/adls.js';
import { displaySourcePath, openSource } from '../../src/sources/open.js';

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

  it('opens ADLS Gen2 folders (abfss:// and https://) without any network call, and never keeps a SAS in its URL', async () => {
    const abfss = await openSource('abfss://landing@acct.dfs.core.windows.net/iris', { baseDir: '/p', env: {} });
    expect(abfss).toBeInstanceOf(AdlsSource);
    expect(abfss.url).toBe('abfss://landing@acct.dfs.core.windows.net/iris');
    const https = await openSource('https://acct.blob.core.windows.net/landing/iris?sv=2024&sig=SECRET', { baseDir: '/p', env: {} });
    expect(https.url).toBe('https://acct.blob.core.windows.net/landing/iris');
    expect(displaySourcePath('https://acct.blob.core.windows.net/landing?sv=2024&sig=SECRET')).toBe('https://acct.blob.core.windows.net/landing?***');
    expect(displaySourcePath('./data/landing')).toBe('./data/landing');
    await expect(openSource('abfss://Bad_Container@acct.dfs.core.windows.net/x?sig=SECRET', { baseDir: '/p', env: {} })).rejects.toThrow(/^source_path abfss:\/\/Bad_Container@acct\.dfs\.core\.windows\.net\/x: "Bad_Container" is not a container name/);
    await expect(openSource('abfss://Bad_Container@acct.dfs.core.windows.net/x?sig=SECRET', { baseDir: '/p', env: {} })).rejects.not.toThrow(/SECRET/);
  });

  it('rejects other schemes and empty input', async () => {
    await expect(openSource('s3://bucket/key?token=SECRET', { baseDir: '/p' })).rejects.toThrow(/^source_path s3:\/\/bucket\/key\?\*\*\*: unsupported scheme "s3:\/\/"/);
    await expect(openSource('  ', { baseDir: '/p' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
