import { DenseTrainer, type DenseTrainerInit, type DenseTraining } from './dense-trainer.js';
import type { Tf } from './tf.js';
import { WasmDenseTrainer } from './wasm-dense-trainer.js';

/** The trainer for the backend in use: WasmDenseTrainer on tfjs's wasm backend, else DenseTrainer. */
export function createDenseTrainer(tf: Tf, init: DenseTrainerInit): DenseTraining {
  return WasmDenseTrainer.supports(tf) ? new WasmDenseTrainer(tf, init) : new DenseTrainer(tf, init);
}
