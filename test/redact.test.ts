import { describe, expect, it } from 'vitest';
import { liveSecretList, redactParameters, redactSecrets, redactUrl } from '../src/redact.js';

describe('redactSecrets', () => {
  it('masks every known secret at any length, longest first, also URL-encoded and JSON-escaped', () => {
    expect(redactSecrets('key=S2V5S2V5 in AccountName=a;AccountKey=S2V5S2V5', ['S2V5S2V5'])).toBe('key=*** in AccountName=a;AccountKey=***');
    expect(redactSecrets('pin 42 and 421', ['42'])).toBe('pin *** and ***1');
    expect(redactSecrets('token a/b+c and a%2Fb%2Bc', ['a/b+c'])).toBe('token *** and ***');
    expect(redactSecrets('{"p":"q\\"uote"}', ['q"uote'])).toBe('{"p":"***"}');
    expect(redactSecrets('conn AccountName=a;AccountKey=k1k1k1 end', ['AccountName=a;AccountKey=k1k1k1', 'k1k1k1'])).toBe('conn *** end');
    expect(redactSecrets('nothing here', ['', undefined, 'absent'])).toBe('nothing here');
  });

  it('masks credential shapes it was not told about', () => {
    expect(redactSecrets('sig=abc%2Bdef&se=2')).toBe('sig=***&se=2');
    expect(redactSecrets('AccountKey=abc==;EndpointSuffix=x')).toBe('AccountKey=***;EndpointSuffix=x');
    expect(redactSecrets('SharedAccessSignature=sv=1&sig=x;')).toBe('SharedAccessSignature=***;');
    expect(redactSecrets('Authorization: SharedKey acct:c2ln')).toBe('Authorization: SharedKey ***');
    expect(redactSecrets('Authorization: Bearer eyJ0eXAi.x.y')).toBe('Authorization: Bearer ***');
    expect(redactSecrets('Basic dTpw and dapi0123456789abcdef0123')).toBe('Basic *** and ***');
    expect(redactSecrets('body grant_type=client_credentials&client_secret=s3cr3t&scope=all')).toBe('body grant_type=client_credentials&client_secret=***&scope=all');
    expect(redactSecrets('{"client_secret": "s3cr3t"}')).toBe('{"client_secret": "***"}');
  });

  it('strips query strings and user info from every URL in a text', () => {
    expect(redactSecrets('GET https://a.blob.core.windows.net/c?sv=1&sig=abc&se=2 failed')).toBe('GET https://a.blob.core.windows.net/c?*** failed');
    expect(redactSecrets('tracking at http://ana:pa55@127.0.0.1:5000/ (down)')).toBe('tracking at http://***@127.0.0.1:5000/ (down)');
    expect(redactSecrets('"abfss://c@a.dfs.core.windows.net/landing?sv=1&sig=x"')).toBe('"abfss://c@a.dfs.core.windows.net/landing?***"');
  });
});

describe('redactUrl', () => {
  it('drops the query string, the fragment and user info; keeps an abfss container', () => {
    expect(redactUrl('https://acct.blob.core.windows.net/c/p?sv=1&se=2&sig=SECRET')).toBe('https://acct.blob.core.windows.net/c/p?***');
    expect(redactUrl('https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Expires=60')).toBe('https://b.s3.amazonaws.com/k?***');
    expect(redactUrl('https://h/api/2.0/fs/directories/Volumes/a?page_size=10#x')).toBe('https://h/api/2.0/fs/directories/Volumes/a?***');
    expect(redactUrl('https://user:pw@host/x')).toBe('https://***@host/x');
    expect(redactUrl('http://token@host:9/')).toBe('http://***@host:9/');
    expect(redactUrl('abfss://landing@acct.dfs.core.windows.net/iris?sv=1&sig=x')).toBe('abfss://landing@acct.dfs.core.windows.net/iris?***');
    expect(redactUrl('abfss://landing:key@acct.dfs.core.windows.net/iris')).toBe('abfss://***@acct.dfs.core.windows.net/iris');
  });

  it('leaves paths as they are, masking only credential shapes', () => {
    expect(redactUrl('/Volumes/c/s/v/ingested')).toBe('/Volumes/c/s/v/ingested');
    expect(redactUrl('./data/landing')).toBe('./data/landing');
    expect(redactUrl('not a url ?sig=abc')).toBe('not a url ?***');
  });
});

describe('redactParameters', () => {
  it('redacts every value and leaves harmless ones', () => {
    expect(redactParameters({ source_path: 'https://a.blob.core.windows.net/c/p?sv=1&sig=abc', epochs: '5', note: 'hunter2' }, ['hunter2'])).toEqual({
      source_path: 'https://a.blob.core.windows.net/c/p?***',
      epochs: '5',
      note: '***',
    });
  });
});

describe('liveSecretList', () => {
  it('yields the current secrets but prints and serialises as nothing', async () => {
    let current = ['one'];
    const list = liveSecretList(() => current);
    current = ['two'];
    expect([...list]).toEqual(['two']);
    expect(JSON.stringify({ list })).toBe('{"list":"[secrets redacted]"}');
    const { inspect } = await import('node:util');
    expect(inspect(list)).toBe('[secrets redacted]');
  });
});
