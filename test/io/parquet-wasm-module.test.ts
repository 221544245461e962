import { Worker } from 'node:worker_threads';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { parquetToTable, tableToParquet } from '../../src/io/parquet.js';
import { compiledParquetWasm } from '../../src/io/parquet-wasm-module.js';

/** The global WebAssembly API (the project's lib has no DOM, so no WebAssembly types). */
const wasm = (globalThis as unknown as { WebAssembly: { Module: { new (bytes: Uint8Array): object; exports(module: object): { name: string }[] } } }).WebAssembly;

/** Runs `body` (CommonJS) in a new worker thread and resolves with what it posts. */
function inWorker(body: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(`const { parentPort, getEnvironmentData } = require('node:worker_threads');\n${body}`, { eval: true });
    worker.once('message', (value) => {
      resolve(value);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('parquet-wasm compiled once per process', () => {
  it('compiles the module once, and the instance it starts reads and writes Parquet', async () => {
    const first = compiledParquetWasm();
    expect(compiledParquetWasm()).toBe(first);
    expect((await first) instanceof wasm.Module).toBe(true);
    expect(wasm.Module.exports(await first).some((e) => e.name === 'writeParquet')).toBe(true);

    const table = new arrow.Table({ x: arrow.vectorFromArray([1.5, 2.5, null], new arrow.Float64()) });
    expect(parquetToTable(tableToParquet(table)).getChild('x')!.toArray()).toEqual(table.getChild('x')!.toArray());
  });

  it('hands the compiled module to worker threads started afterwards, which then need not compile it again', async () => {
    await compiledParquetWasm();
    const seen = await inWorker(`
      const module = getEnvironmentData('mlops-e2e:parquet-wasm-module');
      parentPort.postMessage({ isModule: module instanceof WebAssembly.Module, exports: module ? WebAssembly.Module.exports(module).length : 0 });
    `);
    expect(seen).toEqual({ isModule: true, exports: expect.any(Number) });
    expect((seen as { exports: number }).exports).toBe(wasm.Module.exports(await compiledParquetWasm()).length);
  });
});
