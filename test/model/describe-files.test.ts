import { beforeAll, describe, expect, it } from 'vitest';
import type { Classifier } from '../../src/model/classifier.js';
import { describeModelFiles } from '../../src/model/describe-files.js';
import { modelToFiles, readModelFiles, type ModelFilesRead } from '../../src/model/format.js';
import { irisClassifier } from '../helpers/scoring-model.js';

async function filesOf(classifier: Classifier): Promise<ModelFilesRead> {
  const files = await modelToFiles(classifier, { runId: 'r'.repeat(32), artifactPath: 'model', now: 0 });
  return readModelFiles(async (path) => files.get(path)!);
}

let relu: Classifier;
beforeAll(async () => {
  relu = await irisClassifier();
});

describe('describeModelFiles', () => {
  it('reads the description from the files, without tfjs: the same as Classifier.describe()', async () => {
    const described = describeModelFiles(await filesOf(relu))!;
    const reference = relu.describe();
    expect(described.featureNames).toEqual(reference.featureNames);
    expect(described.labels).toEqual(reference.labels);
    expect(described.normalization).toEqual(reference.normalization);
    expect(described.inputs).toEqual(reference.inputs);
    expect(described.layers.map((layer) => ({ ...layer, kernel: Array.from(layer.kernel), bias: Array.from(layer.bias) }))).toEqual(
      reference.layers.map((layer) => ({ ...layer, kernel: Array.from(layer.kernel), bias: Array.from(layer.bias) })),
    );
  });

  it('answers undefined for a model it does not fully understand (tfjs decides about those)', async () => {
    const files = await filesOf(relu);
    const topology = files.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    const changed = (edit: (copy: typeof topology) => void): ModelFilesRead => {
      const copy = structuredClone(topology);
      edit(copy);
      return { ...files, modelTopology: copy as never };
    };
    expect(describeModelFiles(changed((copy) => (copy.config.layers[0]!.class_name = 'Dropout')))).toBeUndefined();
    expect(describeModelFiles(changed((copy) => (copy.config.layers[0]!.config['activation'] = 'elu')))).toBeUndefined();
    expect(describeModelFiles(changed((copy) => (copy.config.layers.at(-1)!.config['units'] = 4)))).toBeUndefined();
    expect(describeModelFiles({ ...files, weightData: files.weightData.slice(0, files.weightData.byteLength - 4) })).toBeUndefined();
    expect(describeModelFiles({ ...files, weightSpecs: files.weightSpecs.map((spec) => ({ ...spec, dtype: 'int32' as const })) })).toBeUndefined();
  });
});

