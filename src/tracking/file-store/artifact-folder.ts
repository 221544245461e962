import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { MlopsError } from '../../errors.js';
import type { ArtifactInfo } from '../types.js';
import { isTempFileName, writeLocalFileAtomic } from '../../io/atomic-file.js';
import { errnoCode } from '../../io/fs-errors.js';
import { ioError, storeWriteOptions } from './disk.js';
import { validateArtifactPath } from './validation.js';

/**
 * Artifacts in a local folder: a run's artifact root, or the artifact proxy's destination.
 * Paths are '/'-separated and relative to the folder; nothing resolves outside it. `label`
 * names the folder in errors (e.g. "of run 5342e2…").
 */

/** How the store named its temporary files before it wrote through writeLocalFileAtomic; a crash may have left some. */
const EARLIER_TEMP_FILE = /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/;

function invalid(message: string, details: Record<string, unknown>): MlopsError {
  return new MlopsError('INVALID_ARGUMENT', message, { details });
}

/** The absolute path of `relativePath` inside `root`; INVALID_ARGUMENT when it would leave it. */
export function insideFolder(root: string, relativePath: string): string {
  const target = relativePath === '' ? root : join(root, ...relativePath.split('/'));
  const back = relative(root, target);
  if (back.startsWith('..') || back.split(sep).includes('..')) {
    throw invalid(`Artifact path '${relativePath}' resolves outside the artifact root ${root}`, { path: relativePath });
  }
  return target;
}

export async function writeArtifactFile(root: string, path: string, data: Uint8Array | string): Promise<void> {
  const relativePath = validateArtifactPath(path, { allowRoot: false });
  await writeLocalFileAtomic(insideFolder(root, relativePath), data, storeWriteOptions());
}

/** The direct children of `path` ('' for the root), sorted; a missing folder or a file lists as empty, as in MLflow. */
export async function listArtifactFolder(root: string, path: string): Promise<ArtifactInfo[]> {
  const relativePath = validateArtifactPath(path, { allowRoot: true });
  const dir = insideFolder(root, relativePath);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw ioError('list', dir, error);
  }
  const infos: ArtifactInfo[] = [];
  for (const name of names) {
    if (isTempFileName(name) || EARLIER_TEMP_FILE.test(name)) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info === undefined) continue;
    const childPath = relativePath === '' ? name : `${relativePath}/${name}`;
    infos.push({ path: childPath, isDir: info.isDirectory(), fileSize: info.isDirectory() ? undefined : info.size });
  }
  return infos.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export async function readArtifactFile(root: string, path: string, label: string): Promise<Uint8Array> {
  const relativePath = validateArtifactPath(path, { allowRoot: false });
  const file = insideFolder(root, relativePath);
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new MlopsError('NOT_FOUND', `Artifact '${relativePath}' ${label} does not exist (looked for ${file})`, { details: { path: relativePath } });
    }
    if (code === 'EISDIR') throw invalid(`Artifact '${relativePath}' ${label} is a folder; list it with listArtifacts`, { path: relativePath });
    throw ioError('read', file, error);
  }
}
