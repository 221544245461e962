import { describe, expect, it } from 'vitest';
import { NdArray, NumpyDtype } from '../../../src/model/pickle/numpy.js';
import { PyObject } from '../../../src/model/pickle/values.js';
import { EstimatorAttributes } from '../../../src/model/sklearn/attributes.js';

function array(typestr: string, shape: number[], raw: Uint8Array): NdArray {
  const a = new NdArray();
  a.fill(shape, new NumpyDtype(typestr, 't'), false, raw, 't');
  return a;
}

describe('EstimatorAttributes', () => {
  const object = new PyObject('sklearn.linear_model._logistic LogisticRegression');
  object.attributes.set('solver', 'lbfgs');
  object.attributes.set('classes_', array('i8', [2], new Uint8Array(new BigInt64Array([0n, 7n]).buffer)));
  object.attributes.set('flags', array('b1', [2], Uint8Array.of(0, 1)));
  object.attributes.set('coef_', array('f8', [1, 2], new Uint8Array(new Float64Array([1, 2]).buffer)));
  const attributes = new EstimatorAttributes(object, 'm.pkl');

  it('reads typed attributes, and class labels as Python would print them', () => {
    expect(attributes.className).toBe('LogisticRegression');
    expect(attributes.string('solver')).toBe('lbfgs');
    expect(attributes.string('multi_class', 'auto')).toBe('auto');
    expect(attributes.labels('classes_')).toEqual(['0', '7']);
    expect(attributes.labels('flags')).toEqual(['False', 'True']);
    expect(attributes.floats('coef_', 2)).toEqual({ values: Float64Array.of(1, 2), shape: [1, 2] });
  });

  it('names the estimator and attribute when one is not what it should be', () => {
    expect(() => attributes.integer('solver')).toThrow('m.pkl: LogisticRegression.solver should be an int, found str "lbfgs"');
    expect(() => attributes.floats('coef_', 1)).toThrow('m.pkl: coef_ should be a 1-d float array, found a 2-d <f8 array');
    expect(() => attributes.floats('classes_', 1)).toThrow(/classes_ should be a 1-d float array, found a 1-d <i8 array/);
  });
});
