import { attributeClasses, combineAllowLists, type AllowList } from '../pickle/allow-list.js';
import { PYTHON_BUILTINS_ALLOW_LIST } from '../pickle/builtins.js';
import { NUMPY_ALLOW_LIST } from '../pickle/numpy.js';

/** The scikit-learn classes an importable pickle may hold (module paths of scikit-learn ≥ 0.22). */
export const SKLEARN_CLASSES = {
  logisticRegression: 'sklearn.linear_model._logistic LogisticRegression',
  mlpClassifier: 'sklearn.neural_network._multilayer_perceptron MLPClassifier',
  standardScaler: 'sklearn.preprocessing._data StandardScaler',
  pipeline: 'sklearn.pipeline Pipeline',
  // Parts of a fitted MLPClassifier that prediction does not use but the pickle carries.
  labelBinarizer: 'sklearn.preprocessing._label LabelBinarizer',
  adamOptimizer: 'sklearn.neural_network._stochastic_optimizers AdamOptimizer',
  sgdOptimizer: 'sklearn.neural_network._stochastic_optimizers SGDOptimizer',
} as const;

/**
 * Everything a scikit-learn model pickle may name: the estimators above, numpy's array, dtype
 * and scalar reconstruction, and the builtins plain data needs. Nothing that runs code.
 */
export const SKLEARN_ALLOW_LIST: AllowList = combineAllowLists(
  PYTHON_BUILTINS_ALLOW_LIST,
  NUMPY_ALLOW_LIST,
  attributeClasses(Object.values(SKLEARN_CLASSES)),
);
