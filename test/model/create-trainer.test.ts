import { describe, expect, it } from 'vitest';
import { createDenseTrainer } from '../../src/model/create-trainer.js';
import { getTf } from '../../src/model/tf.js';
import { WasmDenseTrainer } from '../../src/model/wasm-dense-trainer.js';

const tf = await getTf();

describe('createDenseTrainer', () => {
  it('picks WasmDenseTrainer on the wasm backend (the one every test and the CLI run on without tfjs-node)', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(WasmDenseTrainer.supports(tf)).toBe(true);
    const trainer = createDenseTrainer(tf, {
      layers: [{ shape: { inputUnits: 2, units: 3 }, kernel: new Float32Array(6).fill(0.1), bias: new Float32Array(3) }],
      activation: 'relu',
      learningRate: 0.05,
    });
    expect(trainer).toBeInstanceOf(WasmDenseTrainer);
    trainer.dispose();
  });
});
