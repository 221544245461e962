import { describe, expect, it } from 'vitest';
import { parseContentRange, rangeHeader } from '../../../src/workspace/databricks/http-range.js';

describe('rangeHeader', () => {
  it('names the last byte, inclusive: [100, 200) is bytes=100-199', () => {
    expect(rangeHeader(100, 200)).toBe('bytes=100-199');
    expect(rangeHeader(0, 1)).toBe('bytes=0-0');
  });
});

describe('parseContentRange', () => {
  it('reads first, last and the full length (or * when the server does not say)', () => {
    expect(parseContentRange('bytes 100-199/1000')).toEqual({ first: 100, last: 199, size: 1000 });
    expect(parseContentRange('Bytes 0-0/*')).toEqual({ first: 0, last: 0, size: undefined });
  });

  it('refuses what is absent, unsatisfied (bytes */n), backwards or past the length', () => {
    for (const value of [null, '', 'bytes */1000', 'bytes 10-5/100', 'bytes 0-100/100', 'items 0-1/2', 'bytes 0-1/2, 4-5/6']) expect(parseContentRange(value)).toBeUndefined();
  });
});
