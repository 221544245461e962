import type { io, Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import type { ModelFilesRead } from '../../src/model/format.js';
import { denseModelJson, denseNetworkFromFiles, denseWeightData, TFJS_LAYERS_VERSION } from '../../src/model/layers-json.js';
import { buildDenseNetwork, planDenseNetwork, type HiddenActivation, type NetworkLayer } from '../../src/model/network.js';
import { createRandom } from '../../src/model/random.js';
import { getTf, loadLayers } from '../../src/model/tf.js';

const tf = await getTf();
const tfl = loadLayers();

const ARCHITECTURES: { hiddenUnits: number[]; activation: HiddenActivation; inputUnits: number; outputUnits: number; seed: number }[] = [
  { hiddenUnits: [], activation: 'relu', inputUnits: 4, outputUnits: 3, seed: 1 },
  { hiddenUnits: [16], activation: 'relu', inputUnits: 4, outputUnits: 3, seed: 2 },
  { hiddenUnits: [5], activation: 'tanh', inputUnits: 7, outputUnits: 2, seed: 3 },
  { hiddenUnits: [6, 4], activation: 'sigmoid', inputUnits: 1, outputUnits: 5, seed: 4 },
  { hiddenUnits: [8, 3], activation: 'relu', inputUnits: 12, outputUnits: 4, seed: 2 ** 31 - 1 },
];

/** The planned layers with seeded random weights (non-zero biases). */
function randomLayers(spec: (typeof ARCHITECTURES)[number]): NetworkLayer[] {
  const random = createRandom(spec.seed + 100);
  return planDenseNetwork(spec).map((layer) => ({
    ...layer,
    kernel: Float32Array.from({ length: layer.inputUnits * layer.units }, () => random() * 2 - 1),
    bias: Float32Array.from({ length: layer.units }, () => random() - 0.5),
  }));
}

/** tfjs-layers' own model for the spec, holding the layers' weights. */
function referenceModel(spec: (typeof ARCHITECTURES)[number], layers: NetworkLayer[]): LayersModel {
  const model = buildDenseNetwork(spec);
  const weights = layers.flatMap((layer) => [tf.tensor2d(layer.kernel, [layer.inputUnits, layer.units]), tf.tensor1d(layer.bias)]);
  model.setWeights(weights);
  weights.forEach((tensor) => tensor.dispose());
  return model;
}

/** What tfjs-layers' save hands a save handler, put together as model.json the way format.ts did before it wrote its own. */
async function savedByTfjsLayers(model: LayersModel): Promise<{ modelJson: string; weights: Uint8Array }> {
  let saved: io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  const modelJson = {
    modelTopology: saved!.modelTopology,
    format: saved!.format,
    generatedBy: saved!.generatedBy,
    convertedBy: saved!.convertedBy,
    weightsManifest: [{ paths: ['weights.bin'], weights: saved!.weightSpecs }],
  };
  const data = saved!.weightData as ArrayBuffer;
  return { modelJson: JSON.stringify(modelJson), weights: new Uint8Array(data) };
}

function filesRead(modelJson: string, weights: Uint8Array): ModelFilesRead {
  const parsed = JSON.parse(modelJson) as io.ModelJSON;
  return {
    modelJsonPath: 'model.json',
    preprocessingPath: 'preprocessing.json',
    modelTopology: parsed.modelTopology,
    weightSpecs: parsed.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.slice().buffer,
    preprocessing: { featureNames: [], labels: [], mean: [], std: [] },
  };
}

const name = (spec: (typeof ARCHITECTURES)[number]) => `${spec.inputUnits} → [${spec.hiddenUnits.join(', ')}] ${spec.activation} → ${spec.outputUnits}`;

describe('denseModelJson / denseWeightData', () => {
  it('name the installed tfjs-layers version', () => {
    expect(TFJS_LAYERS_VERSION).toBe(tfl.version_layers);
  });

  for (const spec of ARCHITECTURES) {
    it(`write byte for byte what tfjs-layers' save writes: ${name(spec)}`, async () => {
      const layers = randomLayers(spec);
      const model = referenceModel(spec, layers);
      const reference = await savedByTfjsLayers(model);
      model.dispose();
      expect(denseModelJson(layers, 'weights.bin')).toBe(reference.modelJson);
      expect(Buffer.from(denseWeightData(layers)).equals(Buffer.from(reference.weights))).toBe(true);
    });
  }

  it("are read back by tfjs-layers' loadLayersModel: the same weights and predictions, and saved again unchanged", async () => {
    for (const spec of ARCHITECTURES) {
      const layers = randomLayers(spec);
      const modelJson = denseModelJson(layers, 'weights.bin');
      const weights = denseWeightData(layers);
      const files = filesRead(modelJson, weights);
      const loaded = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: files.modelTopology, weightSpecs: files.weightSpecs, weightData: files.weightData }));
      const reference = referenceModel(spec, layers);
      expect(loaded.getWeights().map((tensor) => [...tensor.dataSync()])).toEqual(layers.flatMap((layer) => [[...layer.kernel], [...layer.bias]]));
      const random = createRandom(spec.seed);
      const input = tf.tensor2d(Float32Array.from({ length: 50 * spec.inputUnits }, () => random() * 4 - 2), [50, spec.inputUnits]);
      const [ours, theirs] = [loaded, reference].map((model) => model.predict(input) as Tensor);
      expect(ours!.dataSync()).toEqual(theirs!.dataSync());
      expect((await savedByTfjsLayers(loaded)).modelJson).toBe(modelJson);
      [input, ours!, theirs!].forEach((tensor) => tensor.dispose());
      loaded.dispose();
      reference.dispose();
    }
  });
});

describe('denseNetworkFromFiles', () => {
  it('reads the layers back: names, seeds and weights', () => {
    for (const spec of ARCHITECTURES) {
      const layers = randomLayers(spec);
      const files = filesRead(denseModelJson(layers, 'weights.bin'), denseWeightData(layers));
      files.preprocessing = {
        featureNames: Array.from({ length: spec.inputUnits }, (_, i) => `f${i}`),
        labels: Array.from({ length: spec.outputUnits }, (_, i) => `l${i}`),
        mean: new Array<number>(spec.inputUnits).fill(0),
        std: new Array<number>(spec.inputUnits).fill(1),
      };
      expect(denseNetworkFromFiles(files)).toEqual(layers);
    }
  });

  it('answers undefined for a topology it would not write itself (tfjs-layers reads those)', () => {
    const spec = ARCHITECTURES[3]!;
    const layers = randomLayers(spec);
    const base = filesRead(denseModelJson(layers, 'weights.bin'), denseWeightData(layers));
    base.preprocessing = { featureNames: ['x'], labels: ['a', 'b', 'c', 'd', 'e'], mean: [0], std: [1] };
    expect(denseNetworkFromFiles(base)).toBeDefined();
    type Topology = { keras_version: string; config: { name: string; layers: { config: Record<string, unknown> }[] } };
    const changed = (edit: (copy: Topology) => void): ModelFilesRead => {
      const copy = structuredClone(base.modelTopology) as unknown as Topology;
      edit(copy);
      return { ...base, modelTopology: copy as never };
    };
    expect(denseNetworkFromFiles(changed((copy) => delete copy.config.layers[1]!.config['batch_input_shape']))).toBeUndefined();
    expect(denseNetworkFromFiles(changed((copy) => (copy.config.layers[0]!.config['kernel_initializer'] = { class_name: 'GlorotNormal', config: { seed: 1 } })))).toBeUndefined();
    expect(denseNetworkFromFiles(changed((copy) => (copy.config.layers[2]!.config['kernel_regularizer'] = { class_name: 'L1L2', config: { l1: 0.1, l2: 0 } })))).toBeUndefined();
    expect(denseNetworkFromFiles(changed((copy) => (copy.config.name = 'sequential_1')))).toBeUndefined();
    expect(denseNetworkFromFiles(changed((copy) => (copy.keras_version = 'tfjs-layers 3.0.0')))).toBeUndefined();
    expect(denseNetworkFromFiles({ ...base, weightSpecs: base.weightSpecs.map((spec, i) => (i === 0 ? { ...spec, name: 'other/kernel' } : spec)) })).toBeUndefined();
  });
});
