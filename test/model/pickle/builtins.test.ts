import { describe, expect, it } from 'vitest';
import { PYTHON_BUILTINS_ALLOW_LIST } from '../../../src/model/pickle/builtins.js';

const call = (name: string, ...args: unknown[]) => PYTHON_BUILTINS_ALLOW_LIST.get(name)!.call!(args as never, 'here');

describe('PYTHON_BUILTINS_ALLOW_LIST', () => {
  it('builds plain data: latin1 bytes, bytearrays, sets and ordered dicts', () => {
    expect(call('_codecs encode', 'a\u00ff', 'latin1')).toEqual(Uint8Array.of(97, 255));
    expect(call('builtins bytes')).toEqual(new Uint8Array(0));
    expect(call('builtins bytearray', Uint8Array.of(1, 2))).toEqual(Uint8Array.of(1, 2));
    expect(call('builtins set', [1, 2, 2])).toEqual(new Set([1, 2]));
    expect(call('builtins frozenset', Object.freeze([3]))).toEqual(new Set([3]));
    expect(call('collections OrderedDict', [Object.freeze(['k', 1])])).toEqual(new Map([['k', 1]]));
  });

  it('refuses anything beyond that, naming the call', () => {
    expect(() => call('_codecs encode', 'x', 'utf-8')).toThrow('here: _codecs.encode is allowed only as (str, "latin1") for bytes');
    expect(() => call('_codecs encode', '\u0100', 'latin1')).toThrow(/U\+100/);
    expect(() => call('builtins set', 'abc')).toThrow('here: set() is allowed only on a list or tuple');
    expect([...PYTHON_BUILTINS_ALLOW_LIST.keys()]).not.toContain('builtins eval');
  });
});
