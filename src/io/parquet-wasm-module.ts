import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type * as WorkerThreads from 'node:worker_threads';

/** The environment-data key under which worker threads receive the compiled module. */
const ENVIRONMENT_KEY = 'mlops-e2e:parquet-wasm-module';

/** A compiled WebAssembly module; opaque here (the project's lib has no WebAssembly types: no DOM). */
export type CompiledWasm = object;

/** The global WebAssembly API, as far as this module uses it. */
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledWasm>; Module: abstract new (...args: never[]) => CompiledWasm } }).WebAssembly;

const require = createRequire(import.meta.url);

/**
 * node:worker_threads, loaded on first use: loading it costs ~10 ms of a cold start, and a local
 * `mlops run` on small data starts no worker thread.
 */
export function workerThreads(): typeof WorkerThreads {
  return require('node:worker_threads') as typeof WorkerThreads;
}

let compiled: Promise<CompiledWasm> | undefined;
/** The compiled module once compilation has finished. */
let ready: CompiledWasm | undefined;

/**
 * parquet-wasm's WebAssembly module (5 MB), compiled once per process. The package's Node build
 * compiles it synchronously while it is imported: ~85 ms of the main thread here, and again in
 * every worker thread. `WebAssembly.compile` compiles on V8's background threads instead, so the
 * CLI starts it before it loads its commands (prefetchParquetWasm) and the compilation overlaps
 * module loading; worker threads started by startWorker get the compiled module through their
 * environment data (a WebAssembly.Module is shared between the threads of a process, not copied or
 * compiled again; see shareParquetWasmWithWorkers).
 */
export function compiledParquetWasm(): Promise<CompiledWasm> {
  compiled ??= compile(true);
  return compiled;
}

/**
 * Starts compiling parquet-wasm in the background, for a command that is going to read or write
 * Parquet. For the CLI's main thread, which has no module to inherit: node:worker_threads is not
 * loaded for it.
 */
export function prefetchParquetWasm(): void {
  compiled ??= compile(false);
  // A failure surfaces where the module is needed (parquet-wasm.ts), with the same error.
  compiled.catch(() => undefined);
}

/**
 * Hands the compiled module (if compiled by now) to worker threads started from now on: startWorker
 * calls it before it starts one. A worker started before the compilation ends compiles its own.
 */
export function shareParquetWasmWithWorkers(threads: typeof WorkerThreads = workerThreads()): void {
  if (ready !== undefined) threads.setEnvironmentData(ENVIRONMENT_KEY, ready as never);
}

async function compile(mayInherit: boolean): Promise<CompiledWasm> {
  if (mayInherit) {
    const threads = workerThreads();
    const inherited = threads.isMainThread ? undefined : threads.getEnvironmentData(ENVIRONMENT_KEY);
    if (inherited instanceof wasmApi.Module) return (ready = inherited);
  }
  const path = require.resolve('parquet-wasm/esm/parquet_wasm_bg.wasm');
  ready = await wasmApi.compile(await readFile(path));
  return ready;
}
