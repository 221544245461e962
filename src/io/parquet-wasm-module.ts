import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';

/** The environment-data key under which worker threads receive the compiled module. */
const ENVIRONMENT_KEY = 'mlops-e2e:parquet-wasm-module';

/** A compiled WebAssembly module; opaque here (the project's lib has no WebAssembly types: no DOM). */
export type CompiledWasm = object;

/** The global WebAssembly API, as far as this module uses it. */
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledWasm>; Module: abstract new (...args: never[]) => CompiledWasm } }).WebAssembly;

let compiled: Promise<CompiledWasm> | undefined;

/**
 * parquet-wasm's WebAssembly module (5 MB), compiled once per process. The package's Node build
 * compiles it synchronously while it is imported: ~85 ms of the main thread here, and again in
 * every worker thread. `WebAssembly.compile` compiles on V8's background threads instead, so the
 * CLI starts it before it loads its commands (prefetchParquetWasm) and the compilation overlaps
 * module loading; worker threads get the compiled module through their environment data (a
 * WebAssembly.Module is shared between the threads of a process, not copied or compiled again).
 */
export function compiledParquetWasm(): Promise<CompiledWasm> {
  compiled ??= compile();
  return compiled;
}

/** Starts compiling parquet-wasm in the background, for a command that is going to read or write Parquet. */
export function prefetchParquetWasm(): void {
  // A failure surfaces where the module is needed (parquet-wasm.ts), with the same error.
  compiledParquetWasm().catch(() => undefined);
}

async function compile(): Promise<CompiledWasm> {
  const inherited = isMainThread ? undefined : getEnvironmentData(ENVIRONMENT_KEY);
  if (inherited instanceof wasmApi.Module) return inherited;
  const path = createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm');
  const module = await wasmApi.compile(await readFile(path));
  // Workers started from now on (the Parquet reading and encoding workers) inherit it.
  setEnvironmentData(ENVIRONMENT_KEY, module);
  return module;
}
