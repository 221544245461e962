import { describe, expect, it } from 'vitest';
import { DenseTrainer, type DenseTrainerInit } from '../../src/model/dense-trainer.js';
import { KernelRunner } from '../../src/model/kernels.js';
import type { HiddenActivation } from '../../src/model/network.js';
import { getTf } from '../../src/model/tf.js';
import { WasmDenseTrainer } from '../../src/model/wasm-dense-trainer.js';
import { seededBatch as batch, seededLayers as layers } from '../helpers/dense-training.js';

const tf = await getTf();


/** Bit patterns, so that -0 and NaN compare exactly too. */
function bits(values: Float32Array): number[] {
  return [...new Uint32Array(values.buffer, values.byteOffset, values.length)];
}

describe('WasmDenseTrainer', () => {
  for (const [activation, sizes] of [
    ['relu', [4, 16, 3]],
    ['tanh', [3, 5, 4, 2]],
    ['sigmoid', [4, 6, 3]],
    ['relu', [4, 3]],
    ['sigmoid', [6, 8, 7, 4]],
  ] as [HiddenActivation, number[]][]) {
    it(`takes bit-identical steps to DenseTrainer's tfjs kernels, and predicts bit-identically (${activation}, ${sizes.join('→')})`, () => {
      const init: DenseTrainerInit = { layers: layers(sizes, 11), activation, learningRate: 0.05 };
      // Full batches, a short last batch and a one-row batch, over and over: each batch size gets its own buffers.
      const steps = Array.from({ length: 60 }, (_, index) => batch([32, 32, 24, 1][index % 4]!, sizes[0]!, sizes.at(-1)!, 100 + index));
      const validation = batch(30, sizes[0]!, sizes.at(-1)!, 7);
      const reference = new DenseTrainer(tf, init);
      const ours = new WasmDenseTrainer(tf, init);
      const referenceRows = reference.prepare(validation.features, validation.rows);
      const ourRows = ours.prepare(validation.features, validation.rows);
      try {
        steps.forEach((step, index) => {
          expect(bits(ours.step(step.features, step.labels, step.rows)), `probabilities of step ${index}`).toEqual(bits(reference.step(step.features, step.labels, step.rows)));
          if (index % 10 === 9) expect(bits(ours.predict(ourRows)), `validation after step ${index}`).toEqual(bits(reference.predict(referenceRows)));
        });
        expect(bits(ours.snapshot())).toEqual(bits(reference.snapshot()));
        const oursWeights = ours.weights();
        reference.weights().forEach((layer, index) => {
          expect(bits(oursWeights[index]!.kernel)).toEqual(bits(layer.kernel));
          expect(bits(oursWeights[index]!.bias)).toEqual(bits(layer.bias));
        });
        // And training moved the weights.
        expect(oursWeights[0]!.kernel[0]).not.toBe(init.layers[0]!.kernel[0]);
      } finally {
        reference.release(referenceRows);
        ours.release(ourRows);
        reference.dispose();
        ours.dispose();
      }
    });
  }

  it('restores a snapshot (the next steps and predictions use the restored weights) and leaves nothing on the backend once disposed', () => {
    const kernels = new KernelRunner(tf);
    const live = kernels.liveData();
    const init: DenseTrainerInit = { layers: layers([4, 8, 3], 5), activation: 'relu', learningRate: 0.05 };
    const trainer = new WasmDenseTrainer(tf, init);
    const reference = new DenseTrainer(tf, init);
    const data = batch(32, 4, 3, 1);
    const saved = trainer.snapshot();
    for (let i = 0; i < 5; i++) trainer.step(data.features, data.labels, 32);
    expect(bits(trainer.snapshot())).not.toEqual(bits(saved));
    trainer.restore(saved);
    expect(bits(trainer.snapshot())).toEqual(bits(saved));
    // A matMul that kept the packed weights of before the restore would differ here.
    const prepared = trainer.prepare(data.features, 32);
    const referencePrepared = reference.prepare(data.features, 32);
    expect(bits(trainer.predict(prepared))).toEqual(bits(reference.predict(referencePrepared)));
    reference.release(referencePrepared);
    reference.dispose();
    const beforeRelease = kernels.liveData();
    trainer.release(prepared);
    // The prepared rows' tensor is freed now, as DenseTrainer frees its own, not at dispose.
    expect(kernels.liveData()).toBe(beforeRelease - 1);
    trainer.release(prepared);
    expect(kernels.liveData()).toBe(beforeRelease - 1);
    expect(() => trainer.predict(prepared)).toThrow(/did not prepare/);
    trainer.dispose();
    expect(kernels.liveData()).toBe(live);
    expect(() => trainer.step(data.features, data.labels, 32)).toThrow(/disposed/);
  });

  it('rejects rows prepared by another trainer, and a snapshot of another size', () => {
    const init: DenseTrainerInit = { layers: layers([4, 8, 3], 5), activation: 'tanh', learningRate: 0.05 };
    const ours = new WasmDenseTrainer(tf, init);
    const other = new DenseTrainer(tf, init);
    const data = batch(4, 4, 3, 2);
    const foreign = other.prepare(data.features, 4);
    expect(() => ours.predict(foreign)).toThrow(/did not prepare/);
    expect(() => other.predict(ours.prepare(data.features, 4))).toThrow(/another trainer/);
    expect(() => ours.restore(new Float32Array(3))).toThrow(/needs 67 weights, got 3/);
    other.release(foreign);
    other.dispose();
    ours.dispose();
  });
});
