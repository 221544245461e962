"""What a Python user writes instead of `mlops run pipeline_job` (issue 18's comparison).

One script, the usual stack: pandas reads the Iris landing files, scikit-learn trains an
MLPClassifier with one hidden layer of 16 units on a stratified 80/20 split (with the same
standardisation our model applies), MLflow with a SQLite store logs the run (params, metrics, the
model), registers a version, moves the `champion` alias to it, loads `models:/<name>@champion`
back with pyfunc and scores the Iris rows, writing the predictions as Parquet.

    python bench/python_pipeline.py WORKDIR [LANDING_DIR]

WORKDIR holds mlflow.db, mlartifacts/ and predictions.parquet (a fresh one per run is fair to
both sides: our run also starts from an empty workspace). Prints one JSON line with the test
accuracy, the registered version and the number of rows scored.
"""

import glob
import json
import os
import sys
import warnings

import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import pandas as pd
from mlflow import MlflowClient
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
MODEL_NAME = "irisclassifierdemo"


def main() -> None:
    workdir = os.path.abspath(sys.argv[1])
    landing = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "data", "landing")
    os.makedirs(workdir, exist_ok=True)
    warnings.filterwarnings("ignore")

    # Ingest: every landing CSV into one frame.
    frame = pd.concat([pd.read_csv(path) for path in sorted(glob.glob(os.path.join(landing, "*.csv")))], ignore_index=True)
    features, labels = frame[FEATURES], frame["species"]
    x_train, x_test, y_train, y_test = train_test_split(features, labels, test_size=0.2, stratify=labels, random_state=42)

    mlflow.set_tracking_uri(f"sqlite:///{os.path.join(workdir, 'mlflow.db')}")
    experiment = "/Shared/hp_mlops_e2e/dev/hp_iris_ml"
    if mlflow.get_experiment_by_name(experiment) is None:
        mlflow.create_experiment(experiment, artifact_location=f"file://{os.path.join(workdir, 'mlartifacts')}")
    mlflow.set_experiment(experiment)

    # Train and log: the same network as ours (16 relu units, Adam lr 0.05, batch 32, 200 epochs).
    params = {"hidden_layer_sizes": (16,), "learning_rate_init": 0.05, "batch_size": 32, "max_iter": 200, "random_state": 42}
    with mlflow.start_run() as run:
        model = make_pipeline(StandardScaler(), MLPClassifier(**params)).fit(x_train, y_train)
        accuracy = float((model.predict(x_test) == y_test).mean())
        mlflow.log_params(params)
        mlflow.log_metric("test_accuracy", accuracy)
        # MLflow 3 saves scikit-learn models with skops, which asks to name the types it may load.
        trusted = ["sklearn.neural_network._stochastic_optimizers.AdamOptimizer"]
        mlflow.sklearn.log_model(model, name="model", input_example=x_train.head(3), skops_trusted_types=trusted)

    # Register, move @champion, load it back and score every row.
    version = mlflow.register_model(f"runs:/{run.info.run_id}/model", MODEL_NAME)
    MlflowClient().set_registered_model_alias(MODEL_NAME, "champion", version.version)
    champion = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@champion")
    scored = frame[FEATURES].copy()
    scored["prediction"] = champion.predict(frame[FEATURES])
    scored.to_parquet(os.path.join(workdir, "predictions.parquet"))
    print(json.dumps({"test_accuracy": accuracy, "version": version.version, "rows_scored": len(scored)}))


if __name__ == "__main__":
    main()
