import { describe, expect, it } from 'vitest';
import { formatModelUri, parseModelUri } from '../../src/tracking/model-uri.js';

describe('parseModelUri', () => {
  it.each([
    ['runs:/0123abcd/model', { kind: 'runs', runId: '0123abcd', path: 'model' }],
    ['runs:/0123abcd/nested/model/', { kind: 'runs', runId: '0123abcd', path: 'nested/model' }],
    ['models:/cat.schema.iris/3', { kind: 'version', name: 'cat.schema.iris', version: '3' }],
    ['models:/cat.schema.iris@champion', { kind: 'alias', name: 'cat.schema.iris', alias: 'champion' }],
    ['models:/iris/latest', { kind: 'latest', name: 'iris' }],
  ])('%s', (uri, expected) => {
    const parsed = parseModelUri(uri);
    expect(parsed).toEqual(expected);
    expect(formatModelUri(parsed)).toBe(uri.replace(/\/$/, ''));
  });

  it.each(['models:/iris', 'models:/iris/0', 'models:/iris/abc', 'runs:/abc', 's3://bucket/model', ''])('rejects %j naming the forms it accepts', (uri) => {
    expect(() => parseModelUri(uri)).toThrow(/is not one of runs:\/<run_id>\/<path>, models:\/<name>\/<version>/);
  });
});
