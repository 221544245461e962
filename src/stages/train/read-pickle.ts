import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../../errors.js';
import { toMlopsError } from '../../io/fs-errors.js';
import type { StageContext } from '../context.js';

/** Far beyond any scikit-learn linear model or MLP; a guard against reading something huge by mistake. */
export const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

export interface PickleFile {
  bytes: Uint8Array;
  /** Where it was read: the volume path, or the absolute local path. */
  location: string;
}

/**
 * Reads pkl_path: a `/Volumes/…` path through the workspace's volumes (as on Databricks), else a
 * local file (a path relative to the config's folder, an absolute path, or a file: URI).
 */
export async function readPickleFile(ctx: StageContext, pklPath: string): Promise<PickleFile> {
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  if (pklPath.startsWith('/Volumes/')) {
    const entry = await ctx.workspace.volumes.stat(pklPath, signal);
    if (entry === undefined || entry.isDirectory) {
      throw new MlopsError('NOT_FOUND', `pkl_path ${pklPath}: ${entry ? 'is a directory, expected a pickle file' : 'no such file on the volume'}`, {
        details: { parameter: 'pkl_path', path: pklPath },
      });
    }
    checkSize(pklPath, entry.size);
    return { bytes: await ctx.workspace.volumes.read(pklPath, signal), location: pklPath };
  }
  const local = pklPath.startsWith('file:') ? fileURLToPath(pklPath) : isAbsolute(pklPath) ? pklPath : resolve(ctx.config.configDir, pklPath);
  try {
    checkSize(local, (await stat(local)).size);
    return { bytes: await readFile(local, signal), location: local };
  } catch (error) {
    throw toMlopsError(error, `read pkl_path ${local}`);
  }
}

function checkSize(path: string, size: number): void {
  if (size > MAX_PICKLE_BYTES) {
    throw new MlopsError('INVALID_ARGUMENT', `pkl_path ${path} is ${size} bytes; model pickles over ${MAX_PICKLE_BYTES} bytes are refused`, {
      details: { parameter: 'pkl_path', path, size },
    });
  }
}
