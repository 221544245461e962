import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { MlopsError } from '../../errors.js';

/**
 * The compiled worker script `fileName`: a name (e.g. 'parquet-encode-worker.js') is beside this
 * module, a path with '/' (e.g. 'serve/scoring-worker.js') is relative to the package's source
 * root. When this module runs from the TypeScript sources (the tests), the compiled copy in dist/
 * that `npm run build` leaves — worker threads run JavaScript only.
 */
function workerScript(fileName: string): URL {
  const relative = fileName.includes('/') ? `../../${fileName}` : `./${fileName}`;
  const beside = new URL(relative, import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL(`../../../dist/${fileName.includes('/') ? fileName : `io/workers/${fileName}`}`, import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new MlopsError('INTERNAL', `The worker script ${fileName} is missing (looked for ${fileURLToPath(beside)} and ${fileURLToPath(built)}): run npm run build`);
}

/**
 * Starts the compiled worker `fileName`. Workers inherit the process's Node options, except
 * `--input-type`, which only applies to `node -e` code and stops a worker started from such a
 * script (`node --input-type=module -e "…"`) before it runs.
 */
export function startWorker(fileName: string, options: WorkerOptions = {}): Worker {
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
  return new Worker(workerScript(fileName), { execArgv, ...options });
}
