import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getEnvironmentData, Worker } from 'node:worker_threads';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { parquetToTable, tableToParquet } from '../../src/io/parquet.js';
import { compiledParquetWasm, shareParquetWasmWithWorkers } from '../../src/io/parquet-wasm-module.js';
import { startWorker } from '../../src/io/workers/worker-script.js';

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
    // What startWorker does before it starts a worker.
    shareParquetWasmWithWorkers();
    const seen = await inWorker(`
      const module = getEnvironmentData('mlops-e2e:parquet-wasm-module');
      parentPort.postMessage({ isModule: module instanceof WebAssembly.Module, exports: module ? WebAssembly.Module.exports(module).length : 0 });
    `);
    expect(seen).toEqual({ isModule: true, exports: expect.any(Number) });
    expect((seen as { exports: number }).exports).toBe(wasm.Module.exports(await compiledParquetWasm()).length);
  });

  it('is shared by startWorker with the workers it starts', async () => {
    const module = await compiledParquetWasm();
    const worker = startWorker('parquet-encode-worker.js');
    try {
      // setEnvironmentData sets the value this thread's getEnvironmentData gives, and every later worker's.
      expect(getEnvironmentData('mlops-e2e:parquet-wasm-module')).toBe(module);
    } finally {
      await worker.terminate();
    }
  });

  it("is compiled for the CLI (prefetchParquetWasm) without loading node:worker_threads, which a run that starts no worker never needs", () => {
    const dist = fileURLToPath(new URL('../../dist/io/parquet-wasm-module.js', import.meta.url));
    const script = `
      const m = await import(${JSON.stringify(dist)});
      const loaded = () => process.moduleLoadList.includes('NativeModule worker_threads');
      m.prefetchParquetWasm();
      const compiled = await m.compiledParquetWasm();
      const before = loaded();
      m.workerThreads();
      console.log(JSON.stringify({ compiled: compiled instanceof WebAssembly.Module, before, after: loaded() }));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ compiled: true, before: false, after: true });
  });
});
