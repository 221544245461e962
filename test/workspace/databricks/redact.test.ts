import { describe, expect, it } from 'vitest';
import { redactSecrets, redactUrl } from '../../../src/workspace/databricks/redact.js';

describe('redactSecrets', () => {
  it('replaces known secrets and token-shaped strings', () => {
    const text = redactSecrets('token abc-secret-1 and Bearer xyz.123 and dapi0123456789abcdef0123', ['abc-secret-1']);
    expect(text).toBe('token *** and Bearer *** and ***');
  });

  it('leaves very short secrets alone instead of mangling the text', () => {
    expect(redactSecrets('a b c', ['a'])).toBe('a b c');
  });
});

describe('redactUrl', () => {
  it('drops signed query strings and user info', () => {
    expect(redactUrl('https://acct.blob.core.windows.net/c/p?sv=1&se=2&sig=SECRET')).toBe('https://acct.blob.core.windows.net/c/p?***');
    expect(redactUrl('https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Expires=60')).toBe('https://b.s3.amazonaws.com/k?***');
    expect(redactUrl('https://user:pw@host/x')).toBe('https://host/x');
  });

  it('keeps harmless query strings', () => {
    expect(redactUrl('https://h/api/2.0/fs/directories/Volumes/a?page_size=10')).toBe('https://h/api/2.0/fs/directories/Volumes/a?page_size=10');
  });
});
