import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Classifier } from '../../../src/model/classifier.js';
import { modelToFiles, parseMLmodel } from '../../../src/model/format.js';
import { buildDenseNetwork, type HiddenActivation } from '../../../src/model/network.js';
import { createRandom } from '../../../src/model/random.js';
import { getTf } from '../../../src/model/tf.js';
import { trainClassifier } from '../../../src/model/train.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

/**
 * The python_function flavor, loaded the way mlflow.pyfunc.load_model() loads it: the flavor's
 * `code` folder goes on sys.path, `loader_module` is imported, `_load_pyfunc(<model folder>)` is
 * called (no `data` key), and `predict(model_input, params=None)` gets a pandas DataFrame.
 * MLflow itself cannot be installed here (no PyPI), so the script does those steps; it runs
 * Debian's /usr/bin/python3 with numpy and pandas from apt (.ci/run installs them).
 */

const PYTHON = '/usr/bin/python3';
const run = promisify(execFile);
const tempDir = useTempDirs();
const tf = await getTf();

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

const LOAD_LIKE_MLFLOW = String.raw`
import importlib, inspect, json, os, sys
import pandas as pd

request = json.load(sys.stdin)
answers = []
for model in request["models"]:
    flavor = model["flavor"]
    # mlflow.pyfunc: _add_code_from_conf_to_system_path, then import loader_module, then _load_pyfunc(data_path).
    sys.path.insert(0, os.path.join(model["dir"], flavor["code"]))
    module = importlib.import_module(flavor["loader_module"])
    data_path = os.path.join(model["dir"], flavor["data"]) if "data" in flavor else model["dir"]
    impl = module._load_pyfunc(data_path)
    parameters = inspect.signature(impl.predict).parameters
    frame = pd.DataFrame(request["rows"], columns=request["columns"])
    result = impl.predict(frame, params=None)
    example = pd.read_json(os.path.join(model["dir"], "input_example.json"), orient="split")
    answers.append({
        "module_file": os.path.relpath(module.__file__, model["dir"]),
        "predict_parameters": list(parameters),
        "columns": list(result.columns),
        "prediction": result["prediction"].tolist(),
        "probabilities": result[[c for c in result.columns if c.startswith("probability_")]].to_numpy().tolist(),
        "dtypes": [str(t) for t in result.dtypes],
        "example": impl.predict(example)["prediction"].tolist(),
    })
    sys.path.pop(0)
    del sys.modules[flavor["loader_module"]]
print(json.dumps(answers))
`;

async function irisRows(): Promise<{ rows: number[][]; species: string[] }> {
  const text = await readFile(new URL('../../../data/iris.csv', import.meta.url), 'utf8');
  const lines = text.trim().split('\n').slice(1);
  return { rows: lines.map((line) => line.split(',').slice(0, 4).map(Number)), species: lines.map((line) => line.split(',')[4]!) };
}

function randomClassifier(hiddenUnits: number[], activation: HiddenActivation, seed: number): Classifier {
  const model = buildDenseNetwork({ inputUnits: 4, hiddenUnits, activation, outputUnits: 3, seed });
  const random = createRandom(seed);
  const values = model.getWeights().map((weight) => tf.tensor(Float32Array.from({ length: weight.size }, () => random() * 4 - 2), weight.shape));
  model.setWeights(values);
  values.forEach((tensor) => tensor.dispose());
  return new Classifier({ model, featureNames: FEATURES, labels: ['setosa', 'versicolor', 'virginica'], normalization: { mean: [5.84, 3.05, 3.76, 1.2], std: [0.83, 0.43, 1.76, 0.76] } });
}

async function writeModel(classifier: Classifier, dir: string, rows: number[][]): Promise<Record<string, unknown>> {
  const files = await modelToFiles(classifier, { runId: 'r'.repeat(32), artifactPath: 'model', now: Date.UTC(2026, 10, 26), inputExample: rows.slice(0, 3) });
  for (const [path, bytes] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
  return parseMLmodel(new TextDecoder().decode(files.get('MLmodel'))).flavors['python_function']!;
}

describe('the python_function flavor in Python (numpy + pandas, no tfjs)', () => {
  it('predicts all 150 Iris rows like the TypeScript model: same labels, probabilities within 1e-5', async () => {
    const { rows, species } = await irisRows();
    const features = Float32Array.from(rows.flat());
    const labelNames = ['setosa', 'versicolor', 'virginica'];
    const trained = await trainClassifier(
      { features, labels: Int32Array.from(species, (name) => labelNames.indexOf(name)), rows: rows.length, featureNames: FEATURES, labelNames },
      { epochs: 60, learningRate: 0.05, hiddenUnits: [8], activation: 'relu', batchSize: 16, seed: 7, testSize: 0.2 },
    );
    // Also the other activations and a network without hidden layers.
    const classifiers = [trained.classifier, randomClassifier([6, 5], 'tanh', 11), randomClassifier([3], 'sigmoid', 12), randomClassifier([], 'relu', 13)];
    const dir = await tempDir();
    const models = [];
    for (const [index, classifier] of classifiers.entries()) {
      const modelDir = join(dir, `model-${index}`);
      models.push({ dir: modelDir, flavor: await writeModel(classifier, modelDir, rows) });
    }
    const python = run(PYTHON, ['-c', LOAD_LIKE_MLFLOW], { maxBuffer: 16 * 1024 * 1024 });
    python.child.stdin!.end(JSON.stringify({ models, columns: FEATURES, rows }));
    const answers = JSON.parse((await python).stdout) as Array<{
      module_file: string;
      predict_parameters: string[];
      columns: string[];
      prediction: string[];
      probabilities: number[][];
      dtypes: string[];
      example: string[];
    }>;

    for (const [index, classifier] of classifiers.entries()) {
      const answer = answers[index]!;
      expect(answer.module_file).toBe(join('code', 'mlops_tfjs_pyfunc.py'));
      expect(answer.predict_parameters).toEqual(['model_input', 'params']);
      expect(answer.columns).toEqual(['prediction', 'probability_setosa', 'probability_versicolor', 'probability_virginica']);
      expect(answer.dtypes).toEqual(['object', 'float64', 'float64', 'float64']);
      const proba = classifier.predictProba(features, rows.length);
      const labels = Array.from(classifier.predictLabels(proba, rows.length), (k) => classifier.labels[k]!);
      expect(answer.prediction, `model ${index}`).toEqual(labels);
      let worst = 0;
      answer.probabilities.forEach((row, r) => row.forEach((p, k) => (worst = Math.max(worst, Math.abs(p - proba[r * 3 + k]!)))));
      expect(worst, `model ${index}: largest probability difference`).toBeLessThan(1e-5);
      expect(answer.example).toEqual(labels.slice(0, 3));
    }
    // The trained model is a real classifier, not noise.
    const correct = answers[0]!.prediction.filter((label, r) => label === species[r]).length;
    expect(correct / 150).toBeGreaterThan(0.9);
    classifiers.forEach((classifier) => classifier.dispose());
  });

  it('names the missing feature columns and a non-finite value', async () => {
    const dir = join(await tempDir(), 'model');
    const classifier = randomClassifier([4], 'relu', 5);
    await writeModel(classifier, dir, [[5.1, 3.5, 1.4, 0.2]]);
    const script = String.raw`
import sys, json
sys.path.insert(0, sys.argv[1] + "/code")
import pandas as pd, mlops_tfjs_pyfunc as loader
model = loader._load_pyfunc(sys.argv[1])
errors = []
for frame in (pd.DataFrame({"sepal_length": [1.0]}), pd.DataFrame([[1.0, float("nan"), 1.0, 1.0]], columns=["sepal_length", "sepal_width", "petal_length", "petal_width"])):
    try:
        model.predict(frame)
    except ValueError as error:
        errors.append(str(error))
print(json.dumps(errors))
`;
    const { stdout } = await run(PYTHON, ['-c', script, dir]);
    const [missing, nonFinite] = JSON.parse(stdout) as string[];
    expect(missing).toContain("lacks the feature columns ['sepal_width', 'petal_length', 'petal_width']");
    expect(nonFinite).toContain("row 0, feature 'sepal_width': expected a finite number");
    classifier.dispose();
  });
});
