import type { Tensor, Variable } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DenseTrainer, type DenseTrainerInit } from '../../src/model/dense-trainer.js';
import { KernelRunner } from '../../src/model/kernels.js';
import type { HiddenActivation } from '../../src/model/network.js';
import { getTf, loadLayers } from '../../src/model/tf.js';
import { seededBatch as batch, seededLayers as layers } from '../helpers/dense-training.js';

const tf = await getTf();
// The reference steps below run tfjs's gradient tape. tfjs-core's Node bundle registers no
// gradients; tfjs-layers' bundle registers them all (the trainer itself needs none).
loadLayers();


/** The same network and steps with tfjs ops, its gradient tape and tf.train.adam: the reference. */
function referenceSteps(init: DenseTrainerInit, steps: { features: Float32Array; labels: Int32Array; rows: number }[]): Float32Array[] {
  const variables: Variable[] = init.layers.flatMap((layer) => [
    tf.variable(tf.tensor2d(layer.kernel, [layer.shape.inputUnits, layer.shape.units])),
    tf.variable(tf.tensor1d(layer.bias)),
  ]);
  const optimizer = tf.train.adam(init.learningRate);
  const activate = (x: Tensor): Tensor => (init.activation === 'relu' ? tf.relu(x) : init.activation === 'tanh' ? tf.tanh(x) : tf.sigmoid(x));
  for (const step of steps) {
    const inputs = init.layers[0]!.shape.inputUnits;
    const classes = init.layers.at(-1)!.shape.units;
    const x = tf.tensor2d(step.features, [step.rows, inputs]);
    const y = tf.oneHot(tf.tensor1d(step.labels, 'int32'), classes);
    optimizer.minimize(() => {
      let current: Tensor = x;
      for (let l = 0; l < init.layers.length; l++) {
        const logits = tf.add(tf.matMul(current as never, variables[2 * l]! as never), variables[2 * l + 1]!);
        current = l === init.layers.length - 1 ? logits : activate(logits);
      }
      return tf.losses.softmaxCrossEntropy(y, current) as never;
    });
    x.dispose();
    y.dispose();
  }
  const result = variables.map((variable) => variable.dataSync() as Float32Array);
  variables.forEach((variable) => variable.dispose());
  optimizer.dispose();
  return result;
}

describe('DenseTrainer', () => {
  for (const [activation, sizes] of [
    ['relu', [4, 16, 3]],
    ['tanh', [3, 5, 4, 2]],
    ['sigmoid', [4, 6, 3]],
    ['relu', [4, 3]],
  ] as [HiddenActivation, number[]][]) {
    it(`takes the same Adam steps as tfjs's gradient tape and tf.train.adam (${activation}, ${sizes.join('→')})`, () => {
      const init: DenseTrainerInit = { layers: layers(sizes, 11), activation, learningRate: 0.05 };
      const steps = [32, 32, 7].map((rows, index) => batch(rows, sizes[0]!, sizes.at(-1)!, 100 + index));
      const trainer = new DenseTrainer(tf, init);
      for (const step of steps) trainer.step(step.features, step.labels, step.rows);
      const ours = trainer.weights().flatMap((layer) => [layer.kernel, layer.bias]);
      trainer.dispose();
      const reference = referenceSteps(init, steps);
      expect(ours.map((values) => values.length)).toEqual(reference.map((values) => values.length));
      ours.forEach((values, index) => values.forEach((value, i) => expect(value).toBeCloseTo(reference[index]![i]!, 4)));
      // And the weights moved: a step that did nothing would also match the starting weights.
      expect(ours[0]![0]).not.toBeCloseTo(init.layers[0]!.kernel[0]!, 4);
    });
  }

  it('returns the probabilities before the step, and predicts the same rows with the weights after it', () => {
    const init: DenseTrainerInit = { layers: layers([4, 8, 3], 5), activation: 'relu', learningRate: 0.05 };
    const { features, labels } = batch(10, 4, 3, 9);
    const trainer = new DenseTrainer(tf, init);
    const prepared = trainer.prepare(features, 10);
    const before = trainer.predict(prepared);
    const during = trainer.step(features, labels, 10);
    expect([...during]).toEqual([...before]);
    const after = trainer.predict(prepared);
    expect([...after]).not.toEqual([...before]);
    for (let row = 0; row < 10; row++) expect(after[row * 3]! + after[row * 3 + 1]! + after[row * 3 + 2]!).toBeCloseTo(1, 5);
    trainer.release(prepared);
    trainer.dispose();
  });

  it('restores a snapshot and leaves nothing on the backend once disposed', () => {
    const kernels = new KernelRunner(tf);
    const live = kernels.liveData();
    const tensors = tf.memory().numTensors;
    const trainer = new DenseTrainer(tf, { layers: layers([4, 8, 3], 5), activation: 'tanh', learningRate: 0.05 });
    const { features, labels } = batch(32, 4, 3, 1);
    const saved = trainer.snapshot();
    for (let i = 0; i < 5; i++) trainer.step(features, labels, 32);
    trainer.step(features.subarray(0, 20), labels.subarray(0, 5), 5);
    expect(trainer.weights()[0]!.kernel).not.toEqual(saved.subarray(0, 32));
    trainer.restore(saved);
    expect(trainer.weights()[0]!.kernel).toEqual(saved.subarray(0, 32));
    trainer.dispose();
    expect(kernels.liveData()).toBe(live);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
