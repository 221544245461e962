import type { io } from '@tensorflow/tfjs-core';
import { describeModelFiles } from './describe-files.js';
import type { ModelFilesRead } from './files-read.js';
import type { NetworkLayer } from './network.js';

/**
 * model.json and weights.bin of a dense network, written and read by our own code in the format
 * tfjs-layers' `LayersModel.save` writes (a Keras `Sequential` topology, format "layers-model")
 * — byte for byte what tfjs-layers writes for the same layers and weights (tested against it),
 * so that tfjs-layers, the Python loader in code/ and older readers keep reading them, while the
 * pipeline never loads tfjs-layers.
 */

/**
 * The tfjs-layers version whose files these are: model.json names it (generatedBy,
 * keras_version). A test checks it is the installed tfjs-layers' version.
 */
export const TFJS_LAYERS_VERSION = '4.22.0';

/** The Keras topology of the layers, key for key as tfjs-layers' `toJSON` gives it. */
export function denseTopology(layers: readonly NetworkLayer[]): Record<string, unknown> {
  return {
    class_name: 'Sequential',
    config: {
      name: 'classifier',
      layers: layers.map((layer) => ({
        class_name: 'Dense',
        config: {
          units: layer.units,
          activation: layer.activation,
          use_bias: true,
          kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: layer.seed } },
          bias_initializer: { class_name: 'Zeros', config: {} },
          kernel_regularizer: null,
          bias_regularizer: null,
          activity_regularizer: null,
          kernel_constraint: null,
          bias_constraint: null,
          name: layer.name,
          trainable: true,
          batch_input_shape: [null, layer.inputUnits],
          dtype: 'float32',
        },
      })),
    },
    keras_version: `tfjs-layers ${TFJS_LAYERS_VERSION}`,
    backend: 'tensor_flow.js',
  };
}

/** The weights' manifest entries: each layer's kernel, then its bias, float32. */
export function denseWeightSpecs(layers: readonly NetworkLayer[]): io.WeightsManifestEntry[] {
  return layers.flatMap((layer) => [
    { name: `${layer.name}/kernel`, shape: [layer.inputUnits, layer.units], dtype: 'float32' as const },
    { name: `${layer.name}/bias`, shape: [layer.units], dtype: 'float32' as const },
  ]);
}

/** model.json's text, naming `weightsPath` as the weights file. */
export function denseModelJson(layers: readonly NetworkLayer[], weightsPath: string): string {
  const modelJson = {
    modelTopology: denseTopology(layers),
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${TFJS_LAYERS_VERSION}`,
    convertedBy: null,
    weightsManifest: [{ paths: [weightsPath], weights: denseWeightSpecs(layers) }],
  };
  return JSON.stringify(modelJson);
}

/** weights.bin: the float32 values in manifest order (little-endian, as tfjs writes them on every platform we run on). */
export function denseWeightData(layers: readonly NetworkLayer[]): Uint8Array {
  const total = layers.reduce((sum, layer) => sum + layer.kernel.length + layer.bias.length, 0);
  const values = new Float32Array(total);
  let offset = 0;
  for (const layer of layers) {
    values.set(layer.kernel, offset);
    offset += layer.kernel.length;
    values.set(layer.bias, offset);
    offset += layer.bias.length;
  }
  return new Uint8Array(values.buffer);
}

/**
 * The network of model files whose topology and manifest are exactly what denseModelJson writes
 * for them (any model this library saved); undefined for any other model — one tfjs-layers
 * reads and checks instead (see classifierFromFiles).
 */
export function denseNetworkFromFiles(files: ModelFilesRead): NetworkLayer[] | undefined {
  const description = describeModelFiles(files);
  if (description === undefined) return undefined;
  const configs = (files.modelTopology as { config?: { layers?: unknown } } | undefined)?.config?.layers;
  if (!Array.isArray(configs) || configs.length !== description.layers.length) return undefined;
  const layers: NetworkLayer[] = [];
  for (const [index, layer] of description.layers.entries()) {
    const config = (configs[index] as { config: { name: string; kernel_initializer?: { config?: { seed?: unknown } } } }).config;
    const seed = config.kernel_initializer?.config?.seed;
    if (typeof seed !== 'number') return undefined;
    layers.push({ ...layer, name: config.name, seed });
  }
  const same = JSON.stringify(denseTopology(layers)) === JSON.stringify(files.modelTopology) && JSON.stringify(denseWeightSpecs(layers)) === JSON.stringify(files.weightSpecs);
  return same ? layers : undefined;
}
