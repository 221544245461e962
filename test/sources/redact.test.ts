import { describe, expect, it } from 'vitest';
import { redactParameters, redactSecrets, withoutQuery } from '../../src/sources/redact.js';

describe('redactSecrets', () => {
  it('removes the given secrets, longest first', () => {
    expect(redactSecrets('key=S2V5S2V5S2V5 in AccountName=a;AccountKey=S2V5S2V5S2V5', ['S2V5S2V5S2V5'])).toBe('key=<redacted> in AccountName=a;AccountKey=<redacted>');
  });

  it('removes secret-shaped text it was not told about: SAS signatures, keys in connection strings, auth headers', () => {
    expect(redactSecrets('GET https://a.blob.core.windows.net/c?sv=1&sig=abc%2Bdef&se=2 failed')).toBe('GET https://a.blob.core.windows.net/c?sv=1&sig=<redacted>&se=2 failed');
    expect(redactSecrets('AccountKey=abc==;EndpointSuffix=x')).toBe('AccountKey=<redacted>;EndpointSuffix=x');
    expect(redactSecrets('SharedAccessSignature=sv=1&sig=x;')).toBe('SharedAccessSignature=<redacted>;');
    expect(redactSecrets('Authorization: SharedKey acct:c2ln')).toBe('Authorization: SharedKey <redacted>');
    expect(redactSecrets('Authorization: Bearer eyJ0eXAi.x.y')).toBe('Authorization: Bearer <redacted>');
  });

  it('ignores secrets too short to be real (so a stray "a" does not blank the message)', () => {
    expect(redactSecrets('a message', ['a'])).toBe('a message');
  });
});

describe('withoutQuery', () => {
  it('drops the query string', () => {
    expect(withoutQuery('https://a/b?sig=x')).toBe('https://a/b');
    expect(withoutQuery('https://a/b')).toBe('https://a/b');
  });
});

describe('redactParameters', () => {
  it('redacts secret-shaped parts of every parameter value and leaves the rest', () => {
    expect(redactParameters({ source_path: 'https://a.blob.core.windows.net/c/p?sv=1&sig=abc', epochs: '5' })).toEqual({
      source_path: 'https://a.blob.core.windows.net/c/p?sv=1&sig=<redacted>',
      epochs: '5',
    });
  });
});
