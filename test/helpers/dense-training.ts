import type { DenseTrainerInit } from '../../src/model/dense-trainer.js';
import { createRandom } from '../../src/model/random.js';

/** Seeded starting weights for inputs → hidden… → classes (sizes[0] inputs, the last the classes). */
export function seededLayers(sizes: number[], seed: number): DenseTrainerInit['layers'] {
  const random = createRandom(seed);
  return sizes.slice(1).map((units, index) => {
    const inputUnits = sizes[index]!;
    return {
      shape: { inputUnits, units },
      kernel: Float32Array.from({ length: inputUnits * units }, () => random() - 0.5),
      bias: Float32Array.from({ length: units }, () => (random() - 0.5) / 10),
    };
  });
}

/** A seeded batch: rows × inputs features in [-2, 2), one class index per row. */
export function seededBatch(rows: number, inputs: number, classes: number, seed: number): { features: Float32Array; labels: Int32Array; rows: number } {
  const random = createRandom(seed);
  return {
    rows,
    features: Float32Array.from({ length: rows * inputs }, () => random() * 4 - 2),
    labels: Int32Array.from({ length: rows }, () => Math.floor(random() * classes)),
  };
}
