import { describe, expect, it } from 'vitest';
import { cacheEnabled, canonicalJson, pickReusableRun, STEP_CACHE_KEY_TAG, stepCacheFilter, stepCacheKey } from '../../src/pipeline/step-cache.js';
import type { Run } from '../../src/tracking/types.js';

const base = { stage: 'train' as const, params: { epochs: 200, seed: 42, schema: { columns: [{ name: 'a', type: 'double' }] } }, inputs: { data: 'abc' }, code: '0.1.0+build.1' };

describe('stepCacheKey', () => {
  it('is the same for the same stage, parameters (in any key order), inputs and code', () => {
    const key = stepCacheKey(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(stepCacheKey({ ...base, params: { seed: 42, schema: { columns: [{ type: 'double', name: 'a' }] }, epochs: 200 } })).toBe(key);
  });

  it('changes with each parameter, each input, the code version and the stage', () => {
    const key = stepCacheKey(base);
    const variants = [
      { ...base, params: { ...base.params, epochs: 201 } },
      { ...base, params: { ...base.params, schema: { columns: [{ name: 'b', type: 'double' }] } } },
      { ...base, inputs: { data: 'abd' } },
      { ...base, inputs: { data: 'abc', champion: '1' } },
      { ...base, code: '0.1.0+build.2' },
      { ...base, stage: 'evaluate' as const },
    ];
    const keys = variants.map((variant) => stepCacheKey(variant));
    expect(new Set([key, ...keys]).size).toBe(variants.length + 1);
  });

  it('leaves the cache parameter itself out: cache=false runs the stage, and a later cached run finds its output', () => {
    expect(stepCacheKey({ ...base, params: { ...base.params, cache: false } })).toBe(stepCacheKey({ ...base, params: { ...base.params, cache: true } }));
    expect(stepCacheKey({ ...base, params: { ...base.params, cache: false } })).toBe(stepCacheKey(base));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level, keeps array order and drops undefined fields', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: undefined, b: null } })).toBe('{"a":{"b":null,"d":[2,1]},"b":1}');
  });
});

describe('stepCacheFilter', () => {
  it('is an MLflow tag filter on the key, and refuses anything but a key (no filter injection)', () => {
    const key = 'a'.repeat(64);
    expect(stepCacheFilter(key)).toBe(`tags.\`${STEP_CACHE_KEY_TAG}\` = '${key}'`);
    expect(() => stepCacheFilter("x' OR tags.a != '")).toThrow(/not a step cache key/);
  });
});

function run(id: string, startTime: number, status: Run['info']['status'], key: string | undefined, lifecycleStage: 'active' | 'deleted' = 'active'): Run {
  return {
    info: { runId: id, runName: id, experimentId: '1', userId: '', status, startTime, endTime: startTime + 1, artifactUri: '', lifecycleStage },
    data: { metrics: [], params: [], tags: key === undefined ? {} : { [STEP_CACHE_KEY_TAG]: key } },
  } as unknown as Run;
}

describe('pickReusableRun', () => {
  const key = 'b'.repeat(64);
  it('takes the newest finished run carrying exactly the key', () => {
    const picked = pickReusableRun([run('old', 1, 'FINISHED', key), run('new', 3, 'FINISHED', key), run('failed', 4, 'FAILED', key), run('other', 5, 'FINISHED', 'c'.repeat(64))], key);
    expect(picked?.info.runId).toBe('new');
  });
  it('finds nothing among failed, running, deleted or untagged runs', () => {
    expect(pickReusableRun([run('a', 1, 'FAILED', key), run('b', 2, 'RUNNING', key), run('c', 3, 'FINISHED', key, 'deleted'), run('d', 4, 'FINISHED', undefined)], key)).toBeUndefined();
  });
});

describe('cacheEnabled', () => {
  it('applies to declared stages unless --force or cache=false', () => {
    expect(cacheEnabled({ declared: true, force: false, cacheParam: true })).toBe(true);
    expect(cacheEnabled({ declared: true, force: true, cacheParam: true })).toBe(false);
    expect(cacheEnabled({ declared: true, force: false, cacheParam: false })).toBe(false);
    expect(cacheEnabled({ declared: false, force: false, cacheParam: true })).toBe(false);
  });
});
