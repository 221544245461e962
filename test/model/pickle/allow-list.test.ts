import { describe, expect, it } from 'vitest';
import { attributeClass, attributeClasses, combineAllowLists } from '../../../src/model/pickle/allow-list.js';
import { PyObject } from '../../../src/model/pickle/values.js';

describe('allow-lists', () => {
  it('makes attribute classes whose __new__ takes no arguments', () => {
    const entry = attributeClass('m C');
    const object = entry.instantiate!([], 'here');
    expect(object).toBeInstanceOf(PyObject);
    expect((object as PyObject).pickleClass).toBe('m C');
    expect(() => entry.instantiate!([1], 'here')).toThrow('here: m C.__new__ takes no arguments here, found 1');
  });

  it('combines lists, later entries winning', () => {
    const later = { call: () => 'later' };
    const combined = combineAllowLists(attributeClasses(['a X', 'b Y']), new Map([['a X', later]]));
    expect([...combined.keys()]).toEqual(['a X', 'b Y']);
    expect(combined.get('a X')).toBe(later);
  });
});
