import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors.js';
import { getTf, loadedTf } from '../../src/model/tf.js';

describe('getTf', () => {
  it('refuses synchronous use before initialisation', () => {
    expect(() => loadedTf()).toThrow(MlopsError);
    expect(() => loadedTf()).toThrow(/await getTf\(\)/);
  });

  it('initialises once for concurrent callers and selects a fast backend', async () => {
    const [first, second] = await Promise.all([getTf(), getTf()]);
    expect(first).toBe(second);
    expect(await getTf()).toBe(first);
    expect(loadedTf()).toBe(first);
    // tfjs-node's backend when it is installed, wasm otherwise — never the slow cpu backend.
    expect(['wasm', 'tensorflow']).toContain(first.getBackend());
    expect(first.env().getBool('PROD')).toBe(true);
  });

  it('computes with the selected backend', async () => {
    const tf = await getTf();
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync());
    expect([...sum]).toEqual([4, 6]);
  });
});
