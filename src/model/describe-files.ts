import type { ClassifierDescription, DenseLayerDescription } from './classifier.js';
import { encodedFeatureNames, numericInputs } from './encoding.js';
import type { ModelFilesRead } from './files-read.js';
import { HIDDEN_ACTIVATIONS } from './network.js';

/**
 * The classifier's description (see Classifier.describe) read straight from its files, without
 * TensorFlow.js: a Keras `Sequential` topology of `Dense` layers (as buildDenseNetwork makes them)
 * and float32 weights, in the order the weights manifest lists them.
 *
 * It answers only for the models it fully understands — every layer Dense with a known
 * activation, a softmax output of one unit per label, weights of exactly the declared shapes —
 * and undefined for anything else, so that a caller falls back to tfjs, which then accepts the
 * model or says what is wrong with it.
 */
export function describeModelFiles(files: ModelFilesRead): ClassifierDescription | undefined {
  const { preprocessing } = files;
  const topology = files.modelTopology as { class_name?: unknown; config?: unknown } | null | undefined;
  if (topology === null || typeof topology !== 'object' || topology.class_name !== 'Sequential') return undefined;
  const config = topology.config as { layers?: unknown } | unknown[] | null | undefined;
  // Keras 2 keeps the layers under config.layers; older tfjs topologies made config the list itself.
  const layerConfigs = Array.isArray(config) ? config : Array.isArray((config as { layers?: unknown } | null)?.layers) ? ((config as { layers: unknown[] }).layers) : undefined;
  if (layerConfigs === undefined || layerConfigs.length === 0) return undefined;

  const featureCount = preprocessing.featureNames.length;
  const inputs = preprocessing.inputs ?? numericInputs(preprocessing.featureNames);
  if (encodedFeatureNames(inputs).join('\u0000') !== preprocessing.featureNames.join('\u0000')) return undefined;
  if (preprocessing.mean.length !== featureCount || preprocessing.std.length !== featureCount) return undefined;
  if (!preprocessing.std.every((value) => Number.isFinite(value) && value > 0) || !preprocessing.mean.every(Number.isFinite)) return undefined;

  // Weight values by name, from the manifest's byte layout (in order, float32 only).
  const weights = new Map<string, { shape: number[]; values: Float32Array }>();
  let offset = 0;
  for (const spec of files.weightSpecs) {
    if (spec.dtype !== 'float32' || spec.quantization !== undefined) return undefined;
    const size = spec.shape.reduce((total, dim) => total * dim, 1);
    if (offset + size * 4 > files.weightData.byteLength) return undefined;
    weights.set(spec.name, { shape: [...spec.shape], values: new Float32Array(files.weightData.slice(offset, offset + size * 4)) });
    offset += size * 4;
  }

  const layers: DenseLayerDescription[] = [];
  let inputUnits = featureCount;
  for (let index = 0; index < layerConfigs.length; index++) {
    const layer = layerConfigs[index] as { class_name?: unknown; config?: Record<string, unknown> } | null;
    if (layer === null || typeof layer !== 'object' || layer.class_name !== 'Dense' || typeof layer.config !== 'object' || layer.config === null) return undefined;
    const { name, units, activation } = layer.config as { name?: unknown; units?: unknown; activation?: unknown };
    const useBias = layer.config['use_bias'] !== false;
    const isLast = index === layerConfigs.length - 1;
    if (typeof name !== 'string' || typeof units !== 'number' || !Number.isInteger(units) || units < 1) return undefined;
    if (isLast ? activation !== 'softmax' || units !== preprocessing.labels.length : !(HIDDEN_ACTIVATIONS as readonly unknown[]).includes(activation)) return undefined;
    const kernel = weights.get(`${name}/kernel`);
    if (kernel === undefined || kernel.shape.length !== 2 || kernel.shape[0] !== inputUnits || kernel.shape[1] !== units) return undefined;
    const bias = useBias ? weights.get(`${name}/bias`) : undefined;
    if (useBias && (bias === undefined || bias.shape.length !== 1 || bias.shape[0] !== units)) return undefined;
    layers.push({ inputUnits, units, activation: activation as DenseLayerDescription['activation'], kernel: kernel.values, bias: bias?.values ?? new Float32Array(units) });
    inputUnits = units;
  }
  return {
    inputs: inputs.map((input) => structuredClone(input)),
    featureNames: [...preprocessing.featureNames],
    labels: [...preprocessing.labels],
    normalization: { mean: [...preprocessing.mean], std: [...preprocessing.std] },
    layers,
  };
}
