import { describe, expect, it } from 'vitest';
import { SKLEARN_ALLOW_LIST, SKLEARN_CLASSES } from '../../../src/model/sklearn/allow-list.js';

describe('SKLEARN_ALLOW_LIST', () => {
  it('holds exactly the estimators, numpy reconstruction and plain-data builtins', () => {
    for (const name of Object.values(SKLEARN_CLASSES)) expect(SKLEARN_ALLOW_LIST.has(name), name).toBe(true);
    for (const name of ['numpy dtype', 'numpy ndarray', 'numpy.core.multiarray _reconstruct', 'numpy.core.numeric _frombuffer', 'numpy.core.multiarray scalar']) {
      expect(SKLEARN_ALLOW_LIST.has(name), name).toBe(true);
    }
    const modules = new Set([...SKLEARN_ALLOW_LIST.keys()].map((name) => name.split(' ')[0]!.split('.')[0]));
    expect([...modules].sort()).toEqual(['_codecs', 'builtins', 'collections', 'numpy', 'sklearn']);
    for (const name of ['builtins eval', 'builtins exec', 'builtins getattr', 'builtins __import__', 'os system', 'posix system', 'subprocess Popen']) {
      expect(SKLEARN_ALLOW_LIST.has(name), name).toBe(false);
    }
  });
});
