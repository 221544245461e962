import { initSync } from 'parquet-wasm/esm';
import { compiledParquetWasm } from './parquet-wasm-module.js';

/**
 * parquet-wasm, ready to use: its browser-style ESM build, instantiated from the module that
 * parquet-wasm-module.ts compiles off the main thread (or a worker inherits). Import parquet-wasm's
 * API from here, never from 'parquet-wasm' itself: that Node build would compile the 5 MB module
 * a second time, synchronously. The top-level await holds back only the modules that use Parquet.
 */
initSync({ module: await compiledParquetWasm() });

export * from 'parquet-wasm/esm';
