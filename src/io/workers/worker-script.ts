import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker, WorkerOptions } from 'node:worker_threads';
import { MlopsError } from '../../errors.js';
import { shareParquetWasmWithWorkers, workerThreads } from '../parquet-wasm-module.js';

/**
 * The compiled worker script `fileName`: a name (e.g. 'parquet-encode-worker.js') is beside this
 * module, a path with '/' (e.g. 'serve/scoring-worker.js') is relative to the package's source
 * root. When this module runs from the TypeScript sources (the tests), the compiled copy in dist/
 * that `npm run build` leaves — worker threads run JavaScript only. When it runs inside the CLI
 * bundle (dist/cli/mlops.mjs, see scripts/bundle-cli.mjs), the compiled copy one folder up.
 */
function workerScript(fileName: string): URL {
  const inDist = fileName.includes('/') ? fileName : `io/workers/${fileName}`;
  const candidates = [
    new URL(fileName.includes('/') ? `../../${fileName}` : `./${fileName}`, import.meta.url),
    new URL(`../../../dist/${inDist}`, import.meta.url),
    new URL(`../${inDist}`, import.meta.url),
  ];
  const found = candidates.find((candidate) => existsSync(fileURLToPath(candidate)));
  if (found !== undefined) return found;
  throw new MlopsError('INTERNAL', `The worker script ${fileName} is missing (looked for ${candidates.map((candidate) => fileURLToPath(candidate)).join(', ')}): run npm run build`);
}

/**
 * Starts the compiled worker `fileName`. Workers inherit the process's Node options, except
 * `--input-type`, which only applies to `node -e` code and stops a worker started from such a
 * script (`node --input-type=module -e "…"`) before it runs, and except the V8 options a Worker
 * refuses in its execArgv (ERR_WORKER_INVALID_EXEC_ARGV), such as the bin's own
 * `--max-semi-space-size`: V8's flags are per process, so the worker has them anyway.
 */
export function startWorker(fileName: string, options: WorkerOptions = {}): Worker {
  const script = workerScript(fileName);
  const threads = workerThreads();
  // The worker inherits parquet-wasm's compiled module instead of compiling it again.
  shareParquetWasmWithWorkers(threads);
  let execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
  for (;;) {
    try {
      return new threads.Worker(script, { execArgv, ...options });
    } catch (error) {
      const refused = refusedFlags(error);
      const kept = execArgv.filter((arg) => !refused.has(arg));
      if (kept.length === execArgv.length) throw error;
      execArgv = kept;
    }
  }
}

/** The flags named by Node's "Initiated Worker with invalid execArgv flags: --a, --b" error. */
function refusedFlags(error: unknown): Set<string> {
  if ((error as { code?: unknown } | null)?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return new Set();
  const message = (error as Error).message;
  return new Set(message.slice(message.indexOf(':') + 1).split(',').map((flag) => flag.trim()).filter((flag) => flag !== ''));
}
