import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSklearnPickle } from '../../../../src/model/sklearn/import-pickle.js';
import { runPythonJson } from '../../helpers/python.js';

// scikit-learn, live: real sklearn (mlflow3 env) fits and pickles every estimator and option the importer
// claims; we import each pickle and compare with sklearn's own predict / predict_proba on random inputs
// (labels equal, probabilities within 1e-6). Estimators it cannot express are refused with a clear error.

const GENERATE = String.raw`
import json, pickle, sys, warnings
import numpy as np, pandas as pd, sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler, MinMaxScaler
from sklearn.ensemble import RandomForestClassifier
from sklearn.svm import SVC
warnings.filterwarnings("ignore")
out_dir = sys.argv[1]
iris = load_iris()
X, y = iris.data, iris.target
names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
species = np.array(iris.target_names)[y]
binary = y < 2
rng = np.random.default_rng(7)
# Random inputs around the data, exactly representable in float32 (what our model computes in).
R = (rng.normal(X.mean(axis=0), X.std(axis=0) * 1.5, size=(200, 4))).astype(np.float32).astype(np.float64)
mlp = dict(hidden_layer_sizes=(8, 5), max_iter=300, random_state=0)
cases = {
    "logreg-binary": (LogisticRegression(max_iter=500), X[binary], y[binary]),
    "logreg-binary-liblinear": (LogisticRegression(solver="liblinear"), X[binary], y[binary]),
    "logreg-multinomial": (LogisticRegression(max_iter=500), X, y),
    "logreg-multinomial-string-labels": (LogisticRegression(max_iter=500, C=0.5), X, species),
    "logreg-dataframe-feature-names": (LogisticRegression(max_iter=500), pd.DataFrame(X, columns=names), y),
    "logreg-no-intercept": (LogisticRegression(max_iter=500, fit_intercept=False), X, y),
    "mlp-relu": (MLPClassifier(activation="relu", **mlp), X, y),
    "mlp-tanh": (MLPClassifier(activation="tanh", **mlp), X, y),
    "mlp-logistic": (MLPClassifier(activation="logistic", **mlp), X, y),
    "mlp-identity": (MLPClassifier(activation="identity", **mlp), X, y),
    "mlp-binary": (MLPClassifier(activation="relu", **mlp), X[binary], y[binary]),
    "mlp-sgd": (MLPClassifier(solver="sgd", hidden_layer_sizes=(6,), max_iter=200, random_state=0), X, y),
    "pipeline-scaler-logreg": (Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))]), X, y),
    "pipeline-scaler-mlp": (Pipeline([("scale", StandardScaler()), ("clf", MLPClassifier(activation="tanh", **mlp))]), X, species),
    "pipeline-scaler-no-mean": (Pipeline([("scale", StandardScaler(with_mean=False)), ("clf", LogisticRegression(max_iter=500))]), X, y),
    "pipeline-scaler-no-std": (Pipeline([("scale", StandardScaler(with_std=False)), ("clf", LogisticRegression(max_iter=500))]), X, y),
    "pipeline-passthrough": (Pipeline([("noop", "passthrough"), ("clf", LogisticRegression(max_iter=500))]), X, y),
    "pipeline-dataframe": (Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))]), pd.DataFrame(X, columns=names), y),
    "refuse-random-forest": (RandomForestClassifier(n_estimators=5, random_state=0), X, y),
    "refuse-svc": (SVC(probability=True, random_state=0), X, y),
    "refuse-minmax-pipeline": (Pipeline([("scale", MinMaxScaler()), ("clf", LogisticRegression(max_iter=500))]), X, y),
    "refuse-multilabel-mlp": (MLPClassifier(hidden_layer_sizes=(4,), max_iter=50, random_state=0), X, np.stack([y == 0, y == 1], axis=1).astype(int)),
}
result = {"sklearn": sklearn.__version__, "inputs": R.tolist(), "cases": {}}
for name, (model, data, target) in cases.items():
    model.fit(data, target)
    with open(f"{out_dir}/{name}.pkl", "wb") as f:
        pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL if "protocol4" not in name else 4)
    inputs = pd.DataFrame(R, columns=names) if isinstance(data, pd.DataFrame) else R
    entry = {"features_named": isinstance(data, pd.DataFrame)}
    if not name.startswith("refuse-"):
        entry["predict"] = [str(v) for v in model.predict(inputs)]
        entry["proba"] = model.predict_proba(inputs).tolist()
        entry["classes"] = [str(c) for c in model.classes_]
    result["cases"][name] = entry
print(json.dumps(result))
`;

interface Generated {
  sklearn: string;
  inputs: number[][];
  cases: Record<string, { features_named: boolean; predict?: string[]; proba?: number[][]; classes?: string[] }>;
}

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

describe('scikit-learn pickles made by real sklearn, imported', () => {
  let dir: string;
  let generated: Generated;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mlops-sklearn-'));
    generated = await runPythonJson<Generated>('mlflow3', GENERATE, { args: [dir] });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const supported = [
    'logreg-binary',
    'logreg-binary-liblinear',
    'logreg-multinomial',
    'logreg-multinomial-string-labels',
    'logreg-dataframe-feature-names',
    'logreg-no-intercept',
    'mlp-relu',
    'mlp-tanh',
    'mlp-logistic',
    'mlp-identity',
    'mlp-binary',
    'mlp-sgd',
    'pipeline-scaler-logreg',
    'pipeline-scaler-mlp',
    'pipeline-scaler-no-mean',
    'pipeline-scaler-no-std',
    'pipeline-passthrough',
    'pipeline-dataframe',
  ];
  for (const name of supported) {
    it(`${name}: same labels as sklearn's predict, probabilities within 1e-6 of predict_proba on 200 random rows`, async () => {
      const expected = generated.cases[name]!;
      const bytes = new Uint8Array(await readFile(path.join(dir, `${name}.pkl`)));
      const { classifier } = await importSklearnPickle(bytes, { source: `${name}.pkl`, featureNames: FEATURES });
      try {
        expect(classifier.labels).toEqual(expected.classes);
        const rows = generated.inputs.length;
        const proba = classifier.predictProba(Float32Array.from(generated.inputs.flat()), rows);
        const labels = classifier.predictLabels(proba, rows);
        const k = expected.classes!.length;
        let worst = 0;
        const wrongLabels: number[] = [];
        for (let r = 0; r < rows; r++) {
          if (classifier.labels[labels[r]!] !== expected.predict![r]) wrongLabels.push(r);
          for (let c = 0; c < k; c++) worst = Math.max(worst, Math.abs(proba[r * k + c]! - expected.proba![r]![c]!));
        }
        expect(wrongLabels).toEqual([]);
        expect(worst).toBeLessThanOrEqual(1e-6);
      } finally {
        classifier.dispose();
      }
    });
  }

  const refused: [string, RegExp][] = [
    ['refuse-random-forest', /RandomForestClassifier|not allowed|cannot be imported/],
    ['refuse-svc', /SVC|not allowed|cannot be imported/],
    ['refuse-minmax-pipeline', /MinMaxScaler|only Pipeline\(StandardScaler, classifier\)/],
    ['refuse-multilabel-mlp', /multilabel/],
  ];
  for (const [name, message] of refused) {
    it(`${name}: refused with a clear error naming the pickle`, async () => {
      const bytes = new Uint8Array(await readFile(path.join(dir, `${name}.pkl`)));
      const error = await importSklearnPickle(bytes, { source: `${name}.pkl`, featureNames: FEATURES }).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      expect(error, 'the import should refuse').toBeDefined();
      expect(error!.message).toMatch(message);
      expect(error!.message).toContain(`${name}.pkl`);
      expect(error!.code).toBeDefined();
    });
  }
});
