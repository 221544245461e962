import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { Classifier } from '../../src/model/classifier.js';
import { formatUtcTimeCreated, modelFromFiles, modelToFiles, parseMLmodel, TFJS_FLAVOR } from '../../src/model/format.js';
import { buildDenseNetwork, planDenseNetwork, startingLayers } from '../../src/model/network.js';
import { createRandom } from '../../src/model/random.js';
import { getTf } from '../../src/model/tf.js';
import { rejectedMlopsError } from '../helpers/errors.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tf = await getTf();
const featureNames = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const labels = ['setosa', 'versicolor', 'virginica'];
// 2026-11-26 20:37:32.934 UTC
const NOW = Date.UTC(2026, 10, 26, 20, 37, 32, 934);
const RUN_ID = '172a088977b348f4832d36e46b8c758a';

function makeClassifier(): Classifier {
  const model = buildDenseNetwork({ inputUnits: 4, hiddenUnits: [8, 5], activation: 'sigmoid', outputUnits: 3, seed: 3 });
  const random = createRandom(8);
  const values = model.getWeights().map((weight) => tf.tensor(Float32Array.from({ length: weight.size }, () => random() * 2 - 1), weight.shape));
  model.setWeights(values);
  values.forEach((tensor) => tensor.dispose());
  // Means and stds with many digits: the round trip must not round them.
  return new Classifier({ model, featureNames, labels, normalization: { mean: [5.843333333333334, 3.0573333, 3.758, 1.1993333333333334], std: [0.8253012917851409, 0.4344109677354946, 1.759404065775303, 0.7596926279021594] } });
}

function randomRows(rows: number): Float32Array {
  const random = createRandom(99);
  return Float32Array.from({ length: rows * 4 }, () => random() * 8);
}

const tempDir = useTempDirs();
let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});

async function writeDirectory(files: Map<string, Uint8Array>): Promise<void> {
  for (const [path, bytes] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
}

const readFromDir = (relativePath: string) => readFile(join(dir, relativePath));

describe('modelToFiles → disk → modelFromFiles', () => {
  it('round-trips exactly: same predictions bit for bit, same weights and preprocessing', async () => {
    const original = makeClassifier();
    await writeDirectory(await modelToFiles(original, { runId: RUN_ID, artifactPath: 'model', now: NOW }));
    const loaded = await modelFromFiles(readFromDir);
    const rows = randomRows(1_000);
    expect(loaded.predictProba(rows, 1_000)).toEqual(original.predictProba(rows, 1_000));
    expect(loaded.describe()).toEqual(original.describe());
    expect(loaded.featureNames).toEqual(featureNames);
    expect(loaded.labels).toEqual(labels);
    original.dispose();
    loaded.dispose();
  });

  it('writes the MLflow model files with our flavor and a column signature', async () => {
    const classifier = makeClassifier();
    const files = await modelToFiles(classifier, {
      runId: RUN_ID,
      artifactPath: 'model',
      now: NOW,
      modelUuid: '0123456789abcdef0123456789abcdef',
      inputExample: [
        [5.1, 3.5, 1.4, 0.2],
        [7, 3.2, 4.7, 1.4],
        [6.3, 3.3, 6, 2.5],
        [5.9, 3, 5.1, 1.8],
      ],
    });
    expect([...files.keys()].sort()).toEqual([
      'MLmodel',
      'code/mlops_tfjs_pyfunc.py',
      'conda.yaml',
      'input_example.json',
      'metadata/MLmodel',
      'metadata/conda.yaml',
      'metadata/python_env.yaml',
      'metadata/requirements.txt',
      'model.json',
      'preprocessing.json',
      'python_env.yaml',
      'requirements.txt',
      'weights.bin',
    ]);
    const text = (path: string) => new TextDecoder().decode(files.get(path));
    const mlmodel = parseMLmodel(text('MLmodel'));
    expect(mlmodel.flavors).toEqual({
      python_function: { code: 'code', env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' }, loader_module: 'mlops_tfjs_pyfunc', python_version: '3.11.2' },
      [TFJS_FLAVOR]: { model_json: 'model.json', weights: 'weights.bin', preprocessing: 'preprocessing.json', tfjs_version: '4.22.0' },
    });
    expect(mlmodel.runId).toBe(RUN_ID);
    expect(mlmodel.artifactPath).toBe('model');
    expect(mlmodel.modelUuid).toBe('0123456789abcdef0123456789abcdef');
    expect(mlmodel.utcTimeCreated).toBe('2026-11-26 20:37:32.934000');
    expect(mlmodel.mlflowVersion).toBe('2.12.2');
    expect(mlmodel.savedInputExampleInfo).toEqual({ artifact_path: 'input_example.json', pandas_orient: 'split', type: 'dataframe' });
    expect(mlmodel.signature).toEqual({
      inputs: featureNames.map((name) => ({ type: 'double', name, required: true })),
      outputs: [
        { type: 'string', name: 'prediction', required: true },
        ...labels.map((label) => ({ type: 'double', name: `probability_${label}`, required: true })),
      ],
      params: null,
    });
    // As MLflow counts it: the files written before MLmodel (model, example, code), not MLmodel or the environment files.
    const own = ['model.json', 'weights.bin', 'preprocessing.json', 'input_example.json', 'code/mlops_tfjs_pyfunc.py'];
    expect(mlmodel.modelSizeBytes).toBe(own.reduce((total, path) => total + files.get(path)!.byteLength, 0));
    // Exactly the signature text MLflow writes (Python's JSON separators).
    expect(text('MLmodel')).toContain('inputs: \'[{"type": "double", "name": "sepal_length", "required": true}');
    expect(text('MLmodel')).toContain("utc_time_created: '2026-11-26 20:37:32.934000'");
    // pandas split orient, first three rows, floats as floats.
    expect(text('input_example.json')).toBe(
      '{"columns": ["sepal_length", "sepal_width", "petal_length", "petal_width"], "data": [[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4], [6.3, 3.3, 6.0, 2.5]]}',
    );
    expect(JSON.parse(text('preprocessing.json'))).toEqual({
      featureNames,
      labels,
      mean: classifier.normalization.mean,
      std: classifier.normalization.std,
      // The raw inputs and their encoding: here every feature numeric, nothing imputed.
      inputs: featureNames.map((name) => ({ name, kind: 'numeric' })),
      labelColumn: 'species',
    });
    const modelJson = JSON.parse(text('model.json')) as { format: string; weightsManifest: { paths: string[]; weights: { name: string; shape: number[] }[] }[] };
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    // 4·8+8 + 8·5+5 + 5·3+3 float32 values.
    expect(files.get('weights.bin')!.byteLength).toBe((40 + 45 + 18) * 4);
    expect(text('requirements.txt')).toMatch(/^mlflow==2\.12\.2$/m);
    // metadata/ holds exact copies, as MLflow 2.12 writes them.
    for (const name of ['MLmodel', 'conda.yaml', 'python_env.yaml', 'requirements.txt']) expect(files.get(`metadata/${name}`), name).toEqual(files.get(name));
    classifier.dispose();
  });

  it('writes the same bytes for the same model (apart from the MLmodel identity fields)', async () => {
    const a = makeClassifier();
    const b = makeClassifier();
    const filesA = await modelToFiles(a, { runId: RUN_ID, artifactPath: 'model', now: NOW, modelUuid: 'u' });
    const filesB = await modelToFiles(b, { runId: RUN_ID, artifactPath: 'model', now: NOW, modelUuid: 'u' });
    for (const [path, bytes] of filesA) expect(filesB.get(path), path).toEqual(bytes);
    const random = await modelToFiles(a, { runId: RUN_ID, artifactPath: 'model', now: NOW });
    expect(parseMLmodel(new TextDecoder().decode(random.get('MLmodel'))).modelUuid).toMatch(/^[0-9a-f]{32}$/);
    a.dispose();
    b.dispose();
  });

  it('rejects an input example whose rows do not have one value per feature', async () => {
    const classifier = makeClassifier();
    await expect(modelToFiles(classifier, { runId: RUN_ID, artifactPath: 'model', now: NOW, inputExample: [[1, 2, 3]] })).rejects.toThrow(
      /inputExample row 0 has 3 values; expected one per feature/,
    );
    classifier.dispose();
  });
});

describe('modelFromFiles errors', () => {
  it('says which flavors a model has when it is not ours', async () => {
    const pyfunc = await readFile(new URL('../fixtures/model/mlflow-2.12.2/mlp-h8/MLmodel', import.meta.url));
    await writeFile(join(dir, 'MLmodel'), pyfunc);
    const error = await rejectedMlopsError(modelFromFiles(readFromDir), 'INVALID_ARGUMENT');
    expect(error.message).toBe('MLmodel has the flavor python_function; only models with the tfjs flavor (written by mlops-e2e) can be loaded');
  });

  it('reports truncated weights and damaged files as CORRUPT, naming the file', async () => {
    const classifier = makeClassifier();
    const files = await modelToFiles(classifier, { runId: RUN_ID, artifactPath: 'model', now: NOW });
    classifier.dispose();
    const expectCorrupt = async (change: (files: Map<string, Uint8Array>) => void, message: RegExp) => {
      const damaged = new Map(files);
      change(damaged);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      await writeDirectory(damaged);
      await expect(modelFromFiles(readFromDir)).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringMatching(message) });
    };
    await expectCorrupt((damaged) => damaged.set('weights.bin', files.get('weights.bin')!.subarray(0, 100)), /^weights.bin has 100 bytes; model.json describes 412$/);
    await expectCorrupt((damaged) => damaged.set('model.json', new TextEncoder().encode('{"modelTopology": ')), /^model.json is not valid JSON/);
    await expectCorrupt((damaged) => damaged.set('model.json', new TextEncoder().encode('{"weightsManifest": []}')), /^model.json: expected a TensorFlow.js model.json/);
    await expectCorrupt(
      (damaged) => damaged.set('preprocessing.json', new TextEncoder().encode('{"featureNames": ["a"], "labels": [], "mean": [], "std": []}')),
      /^model.json and preprocessing.json do not make a classifier/,
    );
    await expectCorrupt((damaged) => damaged.set('preprocessing.json', new TextEncoder().encode('{"featureNames": "a"}')), /expected "featureNames" to be a list of strings/);
  });
});

describe('formatUtcTimeCreated', () => {
  it('writes MLflow’s UTC timestamp with microseconds', () => {
    expect(formatUtcTimeCreated(NOW)).toBe('2026-11-26 20:37:32.934000');
    expect(formatUtcTimeCreated(Date.UTC(2027, 0, 2, 3, 4, 5, 6))).toBe('2027-01-02 03:04:05.006000');
  });
});

describe('model files of a classifier made from its layers', () => {
  const plan = planDenseNetwork({ inputUnits: 4, hiddenUnits: [8, 5], activation: 'sigmoid', outputUnits: 3, seed: 3 });
  function layersClassifier(): Classifier {
    const random = createRandom(8);
    const layers = startingLayers(tf, plan).map((layer) => ({ ...layer, bias: layer.bias.map(() => random() - 0.5) }));
    return new Classifier({ layers, featureNames, labels, normalization: { mean: [5.8, 3.0, 3.7, 1.2], std: [0.8, 0.4, 1.8, 0.8] } });
  }

  it("are the files the classifier's tfjs-layers model writes, byte for byte, and load back to the same predictions", async () => {
    const original = layersClassifier();
    const ours = await modelToFiles(original, { runId: RUN_ID, artifactPath: 'model', now: NOW, modelUuid: 'a'.repeat(32) });
    // The same classifier made from its tfjs-layers model is saved by that model.
    const viaModel = new Classifier({ model: original.model, featureNames, labels, normalization: original.normalization });
    const theirs = await modelToFiles(viaModel, { runId: RUN_ID, artifactPath: 'model', now: NOW, modelUuid: 'a'.repeat(32) });
    expect([...ours.keys()]).toEqual([...theirs.keys()]);
    for (const [path, bytes] of ours) expect(Buffer.from(bytes).equals(Buffer.from(theirs.get(path)!)), path).toBe(true);
    await writeDirectory(ours);
    const loaded = await modelFromFiles(readFromDir);
    expect(loaded.network()).toEqual(original.network());
    const rows = randomRows(500);
    expect(loaded.predictProba(rows, 500)).toEqual(original.predictProba(rows, 500));
    // Written again, the loaded classifier's files are the same.
    const again = await modelToFiles(loaded, { runId: RUN_ID, artifactPath: 'model', now: NOW, modelUuid: 'a'.repeat(32) });
    expect(Buffer.from(again.get('model.json')!).equals(Buffer.from(ours.get('model.json')!))).toBe(true);
    [viaModel, loaded].forEach((classifier) => classifier.dispose());
  });

  it('a model.json our reader does not write itself is read by tfjs-layers, with the same predictions', async () => {
    const original = layersClassifier();
    const files = await modelToFiles(original, { runId: RUN_ID, artifactPath: 'model', now: NOW });
    const modelJson = JSON.parse(new TextDecoder().decode(files.get('model.json'))) as { modelTopology: { config: { layers: { config: Record<string, unknown> }[] } } };
    // Keras needs the input shape on the first layer only.
    delete modelJson.modelTopology.config.layers[1]!.config['batch_input_shape'];
    files.set('model.json', new TextEncoder().encode(JSON.stringify(modelJson)));
    await writeDirectory(files);
    const loaded = await modelFromFiles(readFromDir);
    expect(loaded.network()).toBeUndefined();
    const rows = randomRows(500);
    expect(loaded.predictProba(rows, 500)).toEqual(original.predictProba(rows, 500));
    original.dispose();
    loaded.dispose();
  });
});
