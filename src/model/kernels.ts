import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { MlopsError } from '../errors.js';
import type { Tf } from './tf.js';

/**
 * tfjs kernels called directly on the active backend, for a hot loop of tiny tensors.
 *
 * A tfjs op (`tf.mul`, `tf.matMul`) wraps its kernel in an engine scope: it converts and checks
 * its arguments, records the result for `tidy`, the gradient tape and the profiler. For a
 * 32×16 matrix that bookkeeping costs ~3× the kernel itself (measured here: two ops per call,
 * 44 µs CPU as ops in a tidy, 21 µs through `engine.runKernel`, 15 µs calling the kernels).
 * The kernels are tfjs's own (`getKernel(name, backend)`, the registry every op dispatches to),
 * with their kernel-level contracts: matMul inputs are rank 3 (batch, rows, columns), results
 * are TensorInfos the caller owns.
 *
 * Every result goes into the caller's `scratch` list (or is kept and freed by the caller):
 * `free` releases them, so nothing is left on the backend. The engine never sees these
 * tensors, so `tf.memory()` does not count them; `liveData()` does.
 */
export class KernelRunner {
  readonly #tf: Tf;
  readonly #backend: KernelBackend;
  readonly #backendName: string;
  readonly #kernels = new Map<string, KernelFunc>();

  constructor(tf: Tf) {
    this.#tf = tf;
    this.#backend = tf.backend();
    this.#backendName = tf.getBackend();
  }

  /** Runs one kernel; its result is owned by the caller (see `free`). */
  run(kernelName: string, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: NamedAttrMap = {}): TensorInfo {
    let kernel = this.#kernels.get(kernelName);
    if (kernel === undefined) {
      const registered = this.#tf.getKernel(kernelName, this.#backendName);
      if (registered === undefined) {
        throw new MlopsError('INTERNAL', `TensorFlow.js backend "${this.#backendName}" has no kernel "${kernelName}"`);
      }
      kernel = registered.kernelFunc;
      this.#kernels.set(kernelName, kernel);
    }
    const result = kernel({ inputs: inputs as never, attrs, backend: this.#backend });
    return Array.isArray(result) ? result[0]! : result;
  }

  /**
   * A new tensor on the backend with `values` (the caller owns it). The cpu backend keeps the
   * array itself (wasm copies it): pass one that is not changed afterwards.
   */
  write(values: Float32Array, shape: number[]): TensorInfo {
    const dataId = this.#backend.write(values, shape, 'float32');
    return { dataId, shape, dtype: 'float32' };
  }

  read(info: TensorInfo): Float32Array {
    return this.#backend.readSync(info.dataId) as Float32Array;
  }

  /** Releases results of `run` and `write`. A tensor the engine made (a tfjs-node kernel's) is disposed through it. */
  free(infos: Iterable<TensorInfo>): void {
    for (const info of infos) {
      if (info instanceof this.#tf.Tensor) info.dispose();
      else this.#backend.disposeData(info.dataId);
    }
  }

  /** A scope whose results are freed together by `close` (unless kept). */
  scope(): KernelScope {
    return new KernelScope(this);
  }

  /** How many tensors the backend holds (the engine's and ours): for leak checks. */
  liveData(): number {
    return this.#backend.numDataIds();
  }
}

/** Results of `run` and `write` collected for one `close`, like `tf.tidy` for kernel results. */
export class KernelScope {
  readonly #runner: KernelRunner;
  readonly #owned = new Set<TensorInfo>();

  constructor(runner: KernelRunner) {
    this.#runner = runner;
  }

  run(kernelName: string, inputs: Record<string, TensorInfo> | TensorInfo[], attrs?: NamedAttrMap): TensorInfo {
    const result = this.#runner.run(kernelName, inputs, attrs);
    this.#owned.add(result);
    return result;
  }

  write(values: Float32Array, shape: number[]): TensorInfo {
    const result = this.#runner.write(values, shape);
    this.#owned.add(result);
    return result;
  }

  /** Takes a result out of the scope: the caller frees it. */
  keep(info: TensorInfo): TensorInfo {
    this.#owned.delete(info);
    return info;
  }

  close(): void {
    this.#runner.free(this.#owned);
    this.#owned.clear();
  }
}
