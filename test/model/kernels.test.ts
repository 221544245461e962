import { describe, expect, it } from 'vitest';
import { KernelRunner } from '../../src/model/kernels.js';
import { getTf } from '../../src/model/tf.js';

const tf = await getTf();

describe('KernelRunner', () => {
  it('runs a backend kernel on written tensors and reads the result back', () => {
    const kernels = new KernelRunner(tf);
    const scope = kernels.scope();
    const a = scope.write(Float32Array.of(1, 2, 3, 4), [1, 2, 2]);
    const b = scope.write(Float32Array.of(5, 6, 7, 8), [1, 2, 2]);
    const product = scope.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
    expect(product.shape).toEqual([1, 2, 2]);
    expect([...kernels.read(product)]).toEqual([19, 22, 43, 50]);
    const sum = scope.run('Add', { a, b: scope.write(Float32Array.of(10), []) });
    expect([...kernels.read(sum)]).toEqual([11, 12, 13, 14]);
    scope.close();
  });

  it('frees everything a scope made except what was kept, and the kept tensor when freed', () => {
    const kernels = new KernelRunner(tf);
    const before = kernels.liveData();
    const scope = kernels.scope();
    const x = scope.write(Float32Array.of(-1, 2), [2]);
    scope.run('Square', { x });
    const kept = scope.keep(scope.run('Step', { x }, { alpha: 0 }));
    scope.close();
    expect(kernels.liveData()).toBe(before + 1);
    expect([...kernels.read(kept)]).toEqual([0, 1]);
    kernels.free([kept]);
    expect(kernels.liveData()).toBe(before);
  });

  it('names the backend and kernel when the kernel does not exist', () => {
    const kernels = new KernelRunner(tf);
    expect(() => kernels.run('NoSuchKernel', {})).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining(`"${tf.getBackend()}" has no kernel "NoSuchKernel"`) }));
  });
});
