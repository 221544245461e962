import { describe, expect, it } from 'vitest';
import { buildDenseNetwork, buildLayersModel, planDenseNetwork, startingLayers, type NetworkSpec } from '../../src/model/network.js';
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

const SPECS: NetworkSpec[] = [
  { inputUnits: 4, hiddenUnits: [], activation: 'relu', outputUnits: 3, seed: 0 },
  { inputUnits: 4, hiddenUnits: [16], activation: 'relu', outputUnits: 3, seed: 42 },
  { inputUnits: 1, hiddenUnits: [3], activation: 'tanh', outputUnits: 2, seed: 7 },
  { inputUnits: 30, hiddenUnits: [64, 32], activation: 'sigmoid', outputUnits: 10, seed: 2 ** 31 - 1 },
  { inputUnits: 300, hiddenUnits: [1], activation: 'relu', outputUnits: 2, seed: 123456 },
];

describe('planDenseNetwork / startingLayers', () => {
  it("plan the names and initializer seeds buildDenseNetwork gives tfjs-layers' model", () => {
    for (const spec of SPECS) {
      const model = buildDenseNetwork(spec);
      const fromModel = model.layers.map((layer) => {
        const config = layer.getConfig() as { units: number; activation: string; kernelInitializer: { config: { seed: number } }; batchInputShape: number[] };
        return { name: layer.name, inputUnits: config.batchInputShape[1], units: config.units, activation: config.activation, seed: config.kernelInitializer.config.seed };
      });
      expect(planDenseNetwork(spec)).toEqual(fromModel);
      model.dispose();
    }
  });

  it("start from bit for bit the weights tfjs-layers' glorotUniform({ seed }) and zero biases give", () => {
    for (const spec of SPECS) {
      const model = buildDenseNetwork(spec);
      const ours = startingLayers(tf, planDenseNetwork(spec)).flatMap((layer) => [layer.kernel, layer.bias]);
      const theirs = model.getWeights().map((tensor) => tensor.dataSync() as Float32Array);
      expect(ours.length).toBe(theirs.length);
      // Compared as bytes: equal floats, and the same zeros (not -0).
      ours.forEach((values, index) => expect(Buffer.from(values.buffer).equals(Buffer.from(theirs[index]!.buffer, theirs[index]!.byteOffset, theirs[index]!.byteLength))).toBe(true));
      model.dispose();
    }
  });

  it('buildLayersModel gives the tfjs-layers model of the layers: the same topology as buildDenseNetwork, holding their weights', () => {
    const spec = SPECS[3]!;
    const layers = startingLayers(tf, planDenseNetwork(spec)).map((layer) => ({ ...layer, bias: layer.bias.map((_, i) => i / 10) }));
    const built = buildLayersModel(tf, layers);
    const reference = buildDenseNetwork(spec);
    expect(built.toJSON(null, false)).toEqual(reference.toJSON(null, false));
    expect(weightsOf(built)).toEqual(layers.flatMap((layer) => [[...layer.kernel], [...layer.bias]]));
    built.dispose();
    reference.dispose();
  });
});
