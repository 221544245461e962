import { createRequire } from 'node:module';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayersModule from '@tensorflow/tfjs-layers';
import { MlopsError } from '../errors.js';

/**
 * The part of TensorFlow.js training and prediction run on: tfjs-core (tensors, ops, io,
 * backends), plus its version. tfjs-layers is not in it: see loadLayers.
 */
export type Tf = typeof TfCore & { version: { tfjs: string; 'tfjs-core': string } };

/** tfjs-layers (Keras-style models), loaded only by loadLayers. */
export type TfLayers = typeof TfLayersModule;

// tfjs-node is optional: a user who has it installed gets its native backend, nobody else
// pays for it. The specifier sits in a variable so TypeScript and bundlers do not require it.
const NATIVE_BACKEND_PACKAGE = '@tensorflow/tfjs-node';

let initialising: Promise<Tf> | undefined;
let initialised: Tf | undefined;

/**
 * Loads TensorFlow.js and selects its backend once per process: the native tfjs-node backend
 * when that package is installed, else wasm. tfjs is loaded lazily (it takes ~0.5 s) so that
 * importing this library stays cheap for commands that never touch a model.
 * Concurrent callers share one initialisation; a failed one is retried by the next call.
 */
export function getTf(): Promise<Tf> {
  initialising ??= initialise().then(
    (tf) => {
      initialised = tf;
      return tf;
    },
    (error: unknown) => {
      initialising = undefined;
      throw error;
    },
  );
  return initialising;
}

/**
 * The namespace after `getTf()` has resolved, for synchronous code (prediction) that can only
 * run on objects which were created after initialisation.
 */
export function loadedTf(): Tf {
  if (initialised === undefined) {
    throw new MlopsError('INTERNAL', 'TensorFlow.js is not initialised: await getTf() before building or using a Classifier');
  }
  return initialised;
}

/**
 * tfjs ships CommonJS bundles. Loaded by `import()`, Node first scans their source with its CJS
 * export lexer to find named exports: measured here, that doubled the load (0.44 s → 0.22 s wall,
 * 0.75 s → 0.37 s CPU with the lexer's own background compilation). `require` skips the scan and
 * returns the same module instance, so the wasm backend still registers with it.
 */
const requireCjs = createRequire(import.meta.url);

/**
 * Only tfjs-core, not the `@tensorflow/tfjs` bundle: that one also loads the converter,
 * tfjs-data and the cpu and webgl backends (measured here: ~2× the load time and ~25 MB more
 * heap), and re-exports every function through a getter, which every `tf.op` call then pays for
 * (~5% of a training step). The namespace is one plain object.
 */
function loadNamespace(): Tf {
  const core = requireCjs('@tensorflow/tfjs-core') as typeof TfCore;
  return Object.assign({}, core, { version: { tfjs: core.version_core, 'tfjs-core': core.version_core } }) as Tf;
}

let layers: TfLayers | undefined;

/**
 * tfjs-layers, for the few who want a Keras-style LayersModel (Classifier.model) or load a model
 * file our own reader does not understand (see format.ts). Training, prediction and the model
 * files never need it: its 1.4 MB bundle took ~33 ms to compile, on every pipeline run.
 * Needs `await getTf()` first (it registers with that tfjs-core instance).
 */
export function loadLayers(): TfLayers {
  loadedTf();
  layers ??= requireCjs('@tensorflow/tfjs-layers') as TfLayers;
  return layers;
}

async function initialise(): Promise<Tf> {
  const tf = loadNamespace();
  // Prod mode skips per-op debug checks and keeps tfjs from printing its Node banner.
  tf.enableProdMode();
  if (await tryNativeBackend(tf)) return tf;
  requireCjs('@tensorflow/tfjs-backend-wasm');
  // In Node the wasm binary is found next to the package's own files; no setWasmPaths needed.
  const selected = await tf.setBackend('wasm');
  if (!selected) {
    throw new MlopsError('INTERNAL', `TensorFlow.js could not start its wasm backend (backend in use: ${tf.getBackend() ?? 'none'})`);
  }
  await tf.ready();
  return tf;
}

async function tryNativeBackend(tf: Tf): Promise<boolean> {
  try {
    await import(NATIVE_BACKEND_PACKAGE);
  } catch {
    return false;
  }
  // A tfjs-node that bundles another tfjs-core registers its backend elsewhere; then we stay on wasm.
  if (tf.findBackendFactory('tensorflow') === null) return false;
  try {
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}
