import { describe, expect, it } from 'vitest';
import { parseAdlsUrl } from '../../src/sources/adls-url.js';

describe('parseAdlsUrl', () => {
  it('reads abfss:// URLs as Spark and Databricks write them, pointing the Blob API at the account', () => {
    expect(parseAdlsUrl('abfss://landing@hpstorage.dfs.core.windows.net/iris/raw/')).toEqual({
      account: 'hpstorage',
      container: 'landing',
      path: 'iris/raw',
      blobEndpoint: 'https://hpstorage.blob.core.windows.net',
      display: 'abfss://landing@hpstorage.dfs.core.windows.net/iris/raw',
    });
    expect(parseAdlsUrl('abfs://landing@hpstorage.dfs.core.chinacloudapi.cn').blobEndpoint).toBe('https://hpstorage.blob.core.chinacloudapi.cn');
    expect(parseAdlsUrl('abfss://landing@hpstorage.dfs.core.windows.net').path).toBe('');
  });

  it('reads https:// URLs on the dfs or blob host, keeping a SAS query apart from the display URL', () => {
    for (const service of ['dfs', 'blob']) {
      const location = parseAdlsUrl(`https://hpstorage.${service}.core.windows.net/landing/iris%20data?sv=2024-08-04&sig=abc%2Bdef`);
      expect(location).toMatchObject({ account: 'hpstorage', container: 'landing', path: 'iris data', blobEndpoint: 'https://hpstorage.blob.core.windows.net' });
      expect(location.display).toBe(`https://hpstorage.${service}.core.windows.net/landing/iris%20data`);
      expect(location.sas).toBe('sv=2024-08-04&sig=abc%2Bdef');
    }
  });

  it('reads the path-style URLs of an emulator on an IP address or localhost', () => {
    expect(parseAdlsUrl('http://127.0.0.1:10000/devstoreaccount1/landing/iris')).toMatchObject({
      account: 'devstoreaccount1',
      container: 'landing',
      path: 'iris',
      blobEndpoint: 'http://127.0.0.1:10000/devstoreaccount1',
    });
    expect(parseAdlsUrl('http://localhost:10000/devstoreaccount1/landing').blobEndpoint).toBe('http://localhost:10000/devstoreaccount1');
  });

  it('rejects what is not an ADLS folder, naming the URL without its query', () => {
    const bad = [
      ['abfss://landing@not-a-service-host.example.com/x', /expected abfss:\/\/<container>@<account>\.dfs\.core\.windows\.net\/<path>/],
      ['abfss://hpstorage.dfs.core.windows.net/x', /expected abfss/],
      ['https://example.com/landing', /expected https:\/\/<account>\.dfs\.core\.windows\.net/],
      ['https://hpstorage.blob.core.windows.net/', /expected https/],
      ['https://user:pw@hpstorage.blob.core.windows.net/c0n', /credentials do not belong in the URL/],
      ['abfss://UPPER@hpstorage.dfs.core.windows.net/x', /"UPPER" is not a container name/],
      ['abfss://landing@a.dfs.core.windows.net/x', /"a" is not a storage account name/],
      ['http://127.0.0.1:10000/devstoreaccount1', /for an emulator/],
    ] as const;
    for (const [url, message] of bad) {
      expect(() => parseAdlsUrl(`${url}?sig=SECRET`), url).toThrow(message);
      expect(() => parseAdlsUrl(`${url}?sig=SECRET`), url).not.toThrow(/SECRET/);
    }
  });
});
