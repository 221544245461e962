import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const dist = new URL('../../dist/', import.meta.url).href;

/**
 * In a fresh process (the test runner has tfjs-layers loaded for other tests): train, write the
 * model files, read them back, predict — the pipeline's path — then list the tfjs modules loaded.
 */
const script = `
import { createRequire } from 'node:module';
const { trainClassifier } = await import('${dist}model/train.js');
const { modelToFiles, modelFromFiles } = await import('${dist}model/format.js');
const rows = 30;
const features = Float32Array.from({ length: rows * 2 }, (_, i) => Math.sin(i) + (i % 3));
const labels = Int32Array.from({ length: rows }, (_, i) => i % 3);
const { classifier } = await trainClassifier({ features, labels, rows, featureNames: ['a', 'b'], labelNames: ['x', 'y', 'z'] }, { epochs: 2, learningRate: 0.01, hiddenUnits: [4], activation: 'relu', batchSize: 8, seed: 1, testSize: 0.2 });
const files = await modelToFiles(classifier, { runId: 'r', artifactPath: 'model', now: 0 });
const loaded = await modelFromFiles(async (path) => files.get(path));
const same = loaded.predictProba(features, rows).every((p, i, all) => p === classifier.predictProba(features, rows)[i]);
const packages = new Set(Object.keys(createRequire(import.meta.url).cache).map((path) => /@tensorflow\\/([^/]+)/.exec(path)?.[1]).filter(Boolean));
process.stdout.write(JSON.stringify({ same, packages: [...packages].sort() }));
`;

describe('the pipeline path without tfjs-layers', () => {
  it('trains, writes, reads and predicts with tfjs-core and its wasm backend only', () => {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ same: true, packages: ['tfjs-backend-wasm', 'tfjs-core'] });
  });
});
