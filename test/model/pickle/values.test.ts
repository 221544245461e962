import { describe, expect, it } from 'vitest';
import { PickleGlobal, PyObject, describePickleValue, isTuple } from '../../../src/model/pickle/values.js';

describe('PyObject.setState (BUILD)', () => {
  it('merges a dict state, and the dict part of a (dict, slots) state', () => {
    const object = new PyObject('m C');
    object.setState(new Map([['a', 1]]), 'here');
    object.setState(Object.freeze([null, new Map([['b', 2]])]), 'here');
    expect(Object.fromEntries(object.attributes)).toEqual({ a: 1, b: 2 });
  });

  it('refuses states that are not attribute dicts', () => {
    const object = new PyObject('m C');
    expect(() => object.setState([1], 'here')).toThrow('here: BUILD state for m C must be a dict, found list of length 1');
    expect(() => object.setState(new Map([[1, 2]]), 'here')).toThrow('non-string attribute name int 1');
  });
});

describe('describePickleValue', () => {
  it('says what a value is in Python terms', () => {
    expect(describePickleValue(null)).toBe('None');
    expect(describePickleValue(Object.freeze([1]))).toBe('tuple of length 1');
    expect(describePickleValue(new PickleGlobal('os', 'system'))).toBe('global os system');
    expect(describePickleValue(1.5)).toBe('float 1.5');
    expect(isTuple([1])).toBe(false);
  });
});
