import { describe, expect, it } from 'vitest';
import { buildDenseNetwork } from '../../src/model/network.js';
import { getTf } from '../../src/model/tf.js';

const tf = await getTf();

function weightsOf(model: ReturnType<typeof buildDenseNetwork>): number[][] {
  return model.getWeights().map((tensor) => [...tensor.dataSync()]);
}

describe('buildDenseNetwork', () => {
  it('stacks named dense layers ending in softmax', () => {
    const model = buildDenseNetwork({ inputUnits: 4, hiddenUnits: [16, 8], activation: 'tanh', outputUnits: 3, seed: 1 });
    try {
      expect(model.layers.map((layer) => layer.name)).toEqual(['hidden_1', 'hidden_2', 'output']);
      expect(model.layers.map((layer) => layer.getConfig()['activation'])).toEqual(['tanh', 'tanh', 'softmax']);
      expect(model.getWeights().map((tensor) => tensor.shape)).toEqual([[4, 16], [16], [16, 8], [8], [8, 3], [3]]);
      // Biases start at zero, kernels do not.
      expect(model.getWeights()[1]!.dataSync().every((value) => value === 0)).toBe(true);
      expect(model.getWeights()[0]!.dataSync().some((value) => value !== 0)).toBe(true);
    } finally {
      model.dispose();
    }
  });

  it('builds softmax regression when there are no hidden units', () => {
    const model = buildDenseNetwork({ inputUnits: 4, hiddenUnits: [], activation: 'relu', outputUnits: 3, seed: 1 });
    expect(model.getWeights().map((tensor) => tensor.shape)).toEqual([[4, 3], [3]]);
    model.dispose();
  });

  it('starts from the same weights for the same seed only', () => {
    const spec = { inputUnits: 4, hiddenUnits: [5], activation: 'relu', outputUnits: 3 } as const;
    const a = buildDenseNetwork({ ...spec, seed: 11 });
    const b = buildDenseNetwork({ ...spec, seed: 11 });
    const c = buildDenseNetwork({ ...spec, seed: 12 });
    expect(weightsOf(a)).toEqual(weightsOf(b));
    expect(weightsOf(a)[0]).not.toEqual(weightsOf(c)[0]);
    // Two layers never share a seed (their kernels would be correlated).
    expect(weightsOf(a)[0]!.slice(0, 3)).not.toEqual(weightsOf(a)[2]!.slice(0, 3));
    [a, b, c].forEach((model) => model.dispose());
  });

  it('rejects specs it cannot build, naming the field', () => {
    const spec = { inputUnits: 4, hiddenUnits: [5], activation: 'relu', outputUnits: 3, seed: 1 } as const;
    expect(() => buildDenseNetwork({ ...spec, inputUnits: 0 })).toThrow(/inputUnits must be a positive integer, got 0/);
    expect(() => buildDenseNetwork({ ...spec, outputUnits: 1 })).toThrow(/outputUnits must be an integer ≥ 2/);
    expect(() => buildDenseNetwork({ ...spec, hiddenUnits: [4, 0] })).toThrow(/hiddenUnits must be positive integers, got \[4, 0\]/);
    expect(() => buildDenseNetwork({ ...spec, activation: 'elu' as 'relu' })).toThrow(/activation must be one of relu, tanh, sigmoid, got "elu"/);
  });
});
