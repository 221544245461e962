import { MlopsError } from '../../errors.js';
import type { HiddenActivation } from '../network.js';
import type { Normalization } from '../normalization.js';
import { PyObject, describePickleValue, type PickleValue } from '../pickle/values.js';
import { SKLEARN_CLASSES } from './allow-list.js';
import { EstimatorAttributes } from './attributes.js';

/** One dense layer in float64: row-major inputUnits × units, kernel[i * units + j]. */
export interface ImportedLayer {
  inputUnits: number;
  units: number;
  kernel: Float64Array;
  bias: Float64Array;
}

/**
 * A scikit-learn classifier restated as what our Classifier computes:
 * softmax(…activation(((x − mean) / std)·K + b)…). Every supported estimator fits this form
 * exactly (see readSklearnEstimator).
 */
export interface ImportedNetwork {
  /** e.g. "Pipeline(StandardScaler, LogisticRegression)". */
  estimator: string;
  /** The `_sklearn_version` the pickle was written by. */
  sklearnVersion: string | undefined;
  labels: string[];
  featureCount: number;
  /** `feature_names_in_`, when the model was fitted on a DataFrame. */
  featureNames: string[] | undefined;
  /** From a StandardScaler step; undefined means raw features. */
  normalization: Normalization | undefined;
  /** Of every hidden layer (scikit-learn uses one activation for all). */
  activation: HiddenActivation;
  /** Hidden layers, then the output layer whose softmax gives the probabilities. */
  layers: ImportedLayer[];
}

/**
 * Reads a decoded LogisticRegression, MLPClassifier, or Pipeline of an optional StandardScaler
 * and one of those. How each maps onto dense layers + softmax:
 * - multinomial LogisticRegression: softmax(x·coefᵀ + intercept), the same formula;
 * - binary LogisticRegression (one coef row w): scikit-learn gives [1 − σ(z), σ(z)], which is
 *   softmax([0, z]); with multi_class="multinomial" it is softmax([−z, z]);
 * - MLPClassifier: its coefs_/intercepts_ as they are, relu/tanh/logistic(=sigmoid) hidden
 *   layers; identity hidden layers are multiplied out; a binary (logistic-output) MLP uses
 *   the same [0, z] trick as binary LogisticRegression;
 * - StandardScaler: (x − mean_) / scale_ becomes the stored normalisation.
 * One-vs-rest multiclass LogisticRegression normalises sigmoids rather than taking a softmax,
 * which dense layers cannot express: it is refused, as are multilabel MLPs.
 */
export function readSklearnEstimator(value: PickleValue, source: string): ImportedNetwork {
  if (!(value instanceof PyObject)) {
    throw new MlopsError('INVALID_ARGUMENT', `${source}: expected a scikit-learn estimator, found ${describePickleValue(value)}`);
  }
  const root = new EstimatorAttributes(value, source);
  const sklearnVersion = typeof value.get('_sklearn_version') === 'string' ? (value.get('_sklearn_version') as string) : undefined;
  if (value.pickleClass === SKLEARN_CLASSES.pipeline) return readPipeline(root, sklearnVersion);
  return { ...readClassifier(root), normalization: undefined, estimator: root.className, sklearnVersion };
}

function readPipeline(pipeline: EstimatorAttributes, sklearnVersion: string | undefined): ImportedNetwork {
  const steps = pipeline.raw('steps');
  if (!Array.isArray(steps)) throw pipeline.invalid('steps', 'a list of (name, estimator) pairs', steps);
  const estimators: EstimatorAttributes[] = [];
  steps.forEach((step, index) => {
    if (!Array.isArray(step) || step.length !== 2 || typeof step[0] !== 'string') {
      throw pipeline.invalid(`steps[${index}]`, 'a (name, estimator) pair', step as PickleValue);
    }
    const [name, estimator] = step as [string, PickleValue];
    // None and "passthrough" steps do nothing.
    if (estimator === null || estimator === 'passthrough') return;
    if (!(estimator instanceof PyObject)) throw pipeline.invalid(`steps[${index}]`, 'an estimator', estimator);
    estimators.push(new EstimatorAttributes(estimator, `${pipeline.where}: Pipeline step "${name}"`));
  });
  const last = estimators.pop();
  if (last === undefined) throw pipeline.invalid('steps', 'at least one estimator', steps);
  if (estimators.length > 1 || (estimators.length === 1 && estimators[0]!.object.pickleClass !== SKLEARN_CLASSES.standardScaler)) {
    throw new MlopsError(
      'INVALID_ARGUMENT',
      `${pipeline.where}: only Pipeline(StandardScaler, classifier) or Pipeline(classifier) can be imported; found ` +
        `Pipeline(${[...estimators, last].map((step) => step.className).join(', ')})`,
    );
  }
  const scaler = estimators[0];
  const classifier = readClassifier(last);
  const normalization = scaler === undefined ? undefined : readScaler(scaler, classifier.featureCount);
  const names = [scaler?.className, last.className].filter((name) => name !== undefined).join(', ');
  // The pipeline's own feature_names_in_ comes from its first step.
  const featureNames = scaler?.has('feature_names_in_') ? scaler.labels('feature_names_in_') : classifier.featureNames;
  return { ...classifier, featureNames, normalization, estimator: `Pipeline(${names})`, sklearnVersion };
}

type ClassifierPart = Omit<ImportedNetwork, 'estimator' | 'sklearnVersion' | 'normalization'>;

function readClassifier(estimator: EstimatorAttributes): ClassifierPart {
  switch (estimator.object.pickleClass) {
    case SKLEARN_CLASSES.logisticRegression:
      return readLogisticRegression(estimator);
    case SKLEARN_CLASSES.mlpClassifier:
      return readMlp(estimator);
    default:
      throw new MlopsError(
        'INVALID_ARGUMENT',
        `${estimator.where}: ${estimator.className} cannot be imported; supported: LogisticRegression, MLPClassifier, and a Pipeline of StandardScaler + one of them`,
        { details: { estimator: estimator.object.pickleClass } },
      );
  }
}

function readLogisticRegression(model: EstimatorAttributes): ClassifierPart {
  const labels = model.labels('classes_');
  const coef = model.floats('coef_', 2);
  const intercept = model.floats('intercept_', 1);
  const [rows, featureCount] = coef.shape as [number, number];
  const multiClass = model.string('multi_class', 'auto');
  const solver = model.string('solver', 'lbfgs');
  const binary = labels.length === 2;
  // scikit-learn 1.2's rule for one-vs-rest.
  const ovr = multiClass === 'ovr' || multiClass === 'warn' || (multiClass === 'auto' && (binary || solver === 'liblinear'));
  const expectedRows = binary ? 1 : labels.length;
  if (rows !== expectedRows || intercept.values.length !== rows) {
    throw new MlopsError('INVALID_ARGUMENT', `${model.where}: coef_ is ${rows}×${featureCount} and intercept_ has ${intercept.values.length} values; ${labels.length} classes need ${expectedRows} rows`);
  }
  if (ovr && !binary) {
    throw new MlopsError(
      'INVALID_ARGUMENT',
      `${model.where}: a one-vs-rest LogisticRegression (multi_class="${multiClass}", solver="${solver}") over ${labels.length} classes normalises sigmoids, which a softmax model cannot reproduce; refit with multi_class="multinomial"`,
    );
  }
  let layer: ImportedLayer;
  if (binary) {
    // σ(z) = softmax([0, z])[1]; multinomial binary models use softmax([−z, z]).
    const negate = !ovr;
    layer = binaryLayer(coef.values, intercept.values[0]!, featureCount, negate);
  } else {
    layer = { inputUnits: featureCount, units: rows, kernel: transpose(coef.values, rows, featureCount), bias: Float64Array.from(intercept.values) };
  }
  return {
    labels,
    featureCount: checkFeatureCount(model, featureCount),
    featureNames: model.has('feature_names_in_') ? model.labels('feature_names_in_') : undefined,
    activation: 'relu',
    layers: [layer],
  };
}

function readMlp(model: EstimatorAttributes): ClassifierPart {
  const labels = model.labels('classes_');
  const coefs = model.floatList('coefs_', 2);
  const intercepts = model.floatList('intercepts_', 1);
  if (coefs.length !== intercepts.length || coefs.length < 1) {
    throw new MlopsError('INVALID_ARGUMENT', `${model.where}: coefs_ has ${coefs.length} layers and intercepts_ ${intercepts.length}; they must match`);
  }
  let layers: ImportedLayer[] = coefs.map((coef, index) => {
    const [inputUnits, units] = coef.shape as [number, number];
    const bias = intercepts[index]!.values;
    if (bias.length !== units) throw new MlopsError('INVALID_ARGUMENT', `${model.where}: intercepts_[${index}] has ${bias.length} values for ${units} units`);
    if (index > 0 && coefs[index - 1]!.shape[1] !== inputUnits) {
      throw new MlopsError('INVALID_ARGUMENT', `${model.where}: coefs_[${index}] takes ${inputUnits} inputs but the layer before has ${coefs[index - 1]!.shape[1]} units`);
    }
    return { inputUnits, units, kernel: Float64Array.from(coef.values), bias: Float64Array.from(bias) };
  });
  const hidden = model.string('activation', 'relu');
  const activations: Record<string, HiddenActivation | 'identity'> = { relu: 'relu', tanh: 'tanh', logistic: 'sigmoid', identity: 'identity' };
  const activation = activations[hidden];
  if (activation === undefined) throw model.invalid('activation', 'relu, tanh, logistic or identity', hidden);
  if (activation === 'identity') layers = [multiplyOut(layers)];

  const output = layers[layers.length - 1]!;
  const outActivation = model.string('out_activation_', 'softmax');
  if (outActivation === 'softmax') {
    if (output.units !== labels.length) throw new MlopsError('INVALID_ARGUMENT', `${model.where}: the output layer has ${output.units} units for ${labels.length} classes`);
  } else if (outActivation === 'logistic' && output.units === 1 && labels.length === 2) {
    layers[layers.length - 1] = binaryLayer(output.kernel, output.bias[0]!, output.inputUnits, false);
  } else {
    throw new MlopsError(
      'INVALID_ARGUMENT',
      `${model.where}: an MLPClassifier with out_activation_="${outActivation}", ${output.units} output(s) and ${labels.length} classes is not a single-label classifier (multilabel models cannot be imported)`,
    );
  }
  return {
    labels,
    featureCount: checkFeatureCount(model, layers[0]!.inputUnits),
    featureNames: model.has('feature_names_in_') ? model.labels('feature_names_in_') : undefined,
    activation: activation === 'identity' ? 'relu' : activation,
    layers,
  };
}

function readScaler(scaler: EstimatorAttributes, featureCount: number): Normalization {
  const withMean = scaler.boolean('with_mean', true);
  const withStd = scaler.boolean('with_std', true);
  const mean = withMean ? [...scaler.floats('mean_', 1).values] : new Array<number>(featureCount).fill(0);
  const std = withStd ? [...scaler.floats('scale_', 1).values] : new Array<number>(featureCount).fill(1);
  if (mean.length !== featureCount || std.length !== featureCount) {
    throw new MlopsError('INVALID_ARGUMENT', `${scaler.where}: StandardScaler has ${mean.length} means and ${std.length} scales for a classifier of ${featureCount} features`);
  }
  return { mean, std };
}

function checkFeatureCount(model: EstimatorAttributes, fromWeights: number): number {
  if (model.has('n_features_in_') && model.integer('n_features_in_') !== fromWeights) {
    throw new MlopsError('INVALID_ARGUMENT', `${model.where}: n_features_in_ is ${model.integer('n_features_in_')} but the weights take ${fromWeights} features`);
  }
  return fromWeights;
}

/** A one-logit layer z = x·w + b as two softmax units: [0, z], or [−z, z] when `negate`. */
function binaryLayer(weights: Float64Array, bias: number, inputUnits: number, negate: boolean): ImportedLayer {
  const kernel = new Float64Array(inputUnits * 2);
  for (let i = 0; i < inputUnits; i++) {
    kernel[i * 2] = negate ? -weights[i]! : 0;
    kernel[i * 2 + 1] = weights[i]!;
  }
  return { inputUnits, units: 2, kernel, bias: Float64Array.of(negate ? -bias : 0, bias) };
}

/** Row-major rows × columns → columns × rows. */
function transpose(values: Float64Array, rows: number, columns: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[c * rows + r] = values[r * columns + c]!;
  return out;
}

/** Linear layers compose into one: x·K₁ + b₁ then ·K₂ + b₂ = x·(K₁K₂) + (b₁K₂ + b₂). */
function multiplyOut(layers: ImportedLayer[]): ImportedLayer {
  return layers.reduce((left, right) => {
    const kernel = new Float64Array(left.inputUnits * right.units);
    const bias = Float64Array.from(right.bias);
    for (let j = 0; j < right.units; j++) {
      for (let k = 0; k < left.units; k++) {
        const weight = right.kernel[k * right.units + j]!;
        bias[j]! += left.bias[k]! * weight;
        for (let i = 0; i < left.inputUnits; i++) kernel[i * right.units + j]! += left.kernel[i * left.units + k]! * weight;
      }
    }
    return { inputUnits: left.inputUnits, units: right.units, kernel, bias };
  });
}
