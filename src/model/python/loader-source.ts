/**
 * The Python module shipped in every model's `code/` folder, so that MLflow's python_function
 * flavor can load a model mlops-e2e wrote: `mlflow.pyfunc.load_model()` puts `code/` on
 * sys.path, imports `loader_module` and calls its `_load_pyfunc(path)` with the model folder;
 * the object returned has MLflow's `predict(model_input, params=None)`. It needs numpy (and
 * pandas for DataFrames), reads the same model.json, weights.bin and preprocessing.json as the
 * TypeScript loader, and computes the same dense softmax network.
 *
 * Kept as a string, not a .py file, because the build copies only compiled TypeScript.
 */

/** The module name: `loader_module` in MLmodel, and `code/<name>.py` in the model folder. */
export const PYFUNC_LOADER_MODULE = 'mlops_tfjs_pyfunc';

export const PYFUNC_LOADER_SOURCE = String.raw`"""MLflow pyfunc loader for classifiers written by mlops-e2e (TensorFlow.js dense networks).

MLflow's python_function flavor names this module as loader_module and ships it in the model's
code/ folder. mlflow.pyfunc.load_model() calls _load_pyfunc(path) with the model folder; the
returned object's predict(model_input, params=None) gives a pandas DataFrame with a 'prediction'
column (the label) and one 'probability_<label>' column per class.

Only numpy (and pandas, for DataFrames) is needed. The files read are the ones the tfjs flavor
names: model.json (the Keras topology and the weights manifest), weights.bin (little-endian
float32 weights) and preprocessing.json (feature names, labels, standardisation).
"""

import json
import os

import numpy as np

__all__ = ["TfjsDenseClassifier", "_load_pyfunc"]

MODEL_JSON = "model.json"
PREPROCESSING_JSON = "preprocessing.json"


def _softmax(x):
    shifted = x - np.max(x, axis=1, keepdims=True)
    exponentials = np.exp(shifted)
    return exponentials / np.sum(exponentials, axis=1, keepdims=True)


_ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "softmax": _softmax,
}

_DTYPES = {"float32": "<f4", "int32": "<i4"}


def _read_json(path):
    with open(path, "r", encoding="utf-8") as handle:
        return json.load(handle)


def _read_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


def _layer_configs(topology):
    """The Dense layers of a tfjs layers-model topology, in order."""
    model = topology.get("model_config", topology)
    config = model.get("config", {})
    layers = config.get("layers", config) if isinstance(config, dict) else config
    dense = [layer for layer in layers if layer.get("class_name") == "Dense"]
    if not dense:
        raise ValueError("model.json has no Dense layers; this loader reads mlops-e2e dense classifiers only")
    return [layer["config"] for layer in dense]


def _read_weights(model_dir, manifest):
    """Every weight of the manifest by name, as float64 arrays of its shape."""
    weights = {}
    for group in manifest:
        data = b"".join(_read_bytes(os.path.join(model_dir, name)) for name in group["paths"])
        offset = 0
        for spec in group["weights"]:
            dtype = np.dtype(_DTYPES[spec.get("dtype", "float32")])
            count = int(np.prod(spec["shape"])) if spec["shape"] else 1
            size = count * dtype.itemsize
            if offset + size > len(data):
                raise ValueError("weights file is shorter than model.json describes (weight %s)" % spec["name"])
            values = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
            weights[spec["name"]] = values.reshape(spec["shape"]).astype(np.float64)
            offset += size
        if offset != len(data):
            raise ValueError("weights file has %d bytes; model.json describes %d" % (len(data), offset))
    return weights


def _missing(value):
    return value is None or (isinstance(value, float) and value != value)


class TfjsDenseClassifier:
    """probabilities = softmax(...activation(((x - mean) / std) @ kernel + bias)...)"""

    def __init__(self, model_dir):
        model = _read_json(os.path.join(model_dir, MODEL_JSON))
        preprocessing = _read_json(os.path.join(model_dir, PREPROCESSING_JSON))
        self.feature_names = list(preprocessing["featureNames"])
        # The raw inputs and their encoding (one-hot, imputed means); older models: every feature numeric.
        self.inputs = preprocessing.get("inputs") or [{"name": name, "kind": "numeric"} for name in self.feature_names]
        self.input_names = [spec["name"] for spec in self.inputs]
        self.labels = list(preprocessing["labels"])
        self.mean = np.asarray(preprocessing["mean"], dtype=np.float64)
        self.std = np.asarray(preprocessing["std"], dtype=np.float64)
        weights = _read_weights(model_dir, model["weightsManifest"])
        self.layers = []
        for config in _layer_configs(model["modelTopology"]):
            name = config["name"]
            kernel = weights[name + "/kernel"]
            bias = weights.get(name + "/bias", np.zeros(kernel.shape[1]))
            activation = config.get("activation", "linear")
            if activation not in _ACTIVATIONS:
                raise ValueError("layer %s has activation %r, which this loader does not know" % (name, activation))
            self.layers.append((kernel, bias, _ACTIVATIONS[activation]))

    def _input_columns(self, model_input):
        """One 1-D array per model input (the raw columns: numbers, strings, None/NaN where missing)."""
        names_wanted = self.input_names
        columns = getattr(model_input, "columns", None)
        if columns is not None:
            names = [str(column) for column in columns]
            if all(name in names for name in names_wanted):
                return [np.asarray(model_input[name].to_numpy(dtype=object), dtype=object) for name in names_wanted]
            if len(names) == len(names_wanted):
                # Positional columns, e.g. spark_udf's "0", "1", ...
                values = model_input.to_numpy(dtype=object)
                return [values[:, j] for j in range(len(names_wanted))]
            missing = [name for name in names_wanted if name not in names]
            raise ValueError("model input lacks the feature columns %s (it has %s)" % (missing, names))
        if isinstance(model_input, dict):
            return [np.asarray(model_input[name], dtype=object).reshape(-1) for name in names_wanted]
        if isinstance(model_input, list) and model_input and isinstance(model_input[0], dict):
            return [np.asarray([row.get(name) for row in model_input], dtype=object) for name in names_wanted]
        matrix = np.asarray(model_input, dtype=object)
        if matrix.ndim == 1:
            matrix = matrix.reshape(1, -1)
        if matrix.ndim != 2 or matrix.shape[1] != len(names_wanted):
            raise ValueError("model input has shape %s; expected rows x %d features %s" % (matrix.shape, len(names_wanted), names_wanted))
        return [matrix[:, j] for j in range(len(names_wanted))]

    def _feature_matrix(self, model_input):
        """The encoded features (rows x encoded width) as float32, the precision the TypeScript side reads them in."""
        parts = []
        for spec, values in zip(self.inputs, self._input_columns(model_input)):
            if spec["kind"] == "numeric":
                column = np.asarray([np.nan if value is None else value for value in values], dtype=np.float64)
                finite = np.isfinite(column)
                if "impute" in spec:
                    column = np.where(finite, column, spec["impute"])
                elif not finite.all():
                    row = int(np.argmin(finite))
                    raise ValueError("row %d, feature %r: expected a finite number, found %r" % (row, spec["name"], values[row]))
                parts.append(column.reshape(-1, 1))
            else:
                text = np.asarray([None if _missing(value) else str(value) for value in values], dtype=object)
                parts.append(np.column_stack([text == value for value in spec["vocabulary"]]).astype(np.float64).reshape(len(text), -1))
        return np.hstack(parts).astype(np.float32)

    def predict_proba(self, model_input):
        features = self._feature_matrix(model_input).astype(np.float64)
        # Standardised in float64 and stored as float32, exactly as the TypeScript side does.
        activations = ((features - self.mean) / self.std).astype(np.float32).astype(np.float64)
        for kernel, bias, activation in self.layers:
            activations = activation(activations @ kernel + bias)
        return activations

    def predict(self, model_input, params=None):
        """MLflow's pyfunc predict: a DataFrame with 'prediction' and 'probability_<label>' columns."""
        import pandas as pd

        probabilities = self.predict_proba(model_input)
        index = getattr(model_input, "index", None)
        frame = pd.DataFrame({"prediction": [self.labels[i] for i in np.argmax(probabilities, axis=1)]}, index=index)
        for position, label in enumerate(self.labels):
            frame["probability_" + label] = probabilities[:, position]
        return frame


def _load_pyfunc(path):
    """MLflow's loader_module contract: path is the model folder (there is no data key)."""
    return TfjsDenseClassifier(path)
`;
