import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../../errors.js';

/**
 * The compiled worker script `fileName` (e.g. 'parquet-encode-worker.js') beside this module; when
 * this module runs from the TypeScript sources (the tests), the compiled copy in dist/ that
 * `npm run build` leaves — worker threads run JavaScript only.
 */
export function workerScript(fileName: string): URL {
  const beside = new URL(`./${fileName}`, import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL(`../../../dist/io/workers/${fileName}`, import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new MlopsError('INTERNAL', `The worker script ${fileName} is missing (looked for ${fileURLToPath(beside)} and ${fileURLToPath(built)}): run npm run build`);
}
