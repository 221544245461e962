import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The two MLflow 2.12.2 trees (see test/fixtures/mlflow-filestore/README.md). */
export const FIXTURE_ROOT = fileURLToPath(new URL('../../fixtures/mlflow-filestore/', import.meta.url));

export const DIRECT = {
  experimentId: '468338213620039538',
  linearRun: 'd993541da27f4f27889082915aaab82c',
  mlpRun: '172a088977b348f4832d36e46b8c758a',
} as const;

export const SERVER = {
  experimentId: '526377064473529739',
  linearRun: '8e045b5ded8e455e94359a44e2ef5593',
  mlpRun: '5342e21dd4be427f82bbe1afaa92a002',
} as const;

/**
 * Copies one variant (`direct` or `server`) into `dir` (an empty temp folder) and, as the fixture README
 * says, replaces the /MLFLOW_ROOT placeholder with the copy's own folder so file:// URIs resolve.
 * Returns `dir`, the folder that contains mlruns/.
 */
export async function copyFixture(variant: 'direct' | 'server', dir: string): Promise<string> {
  await cp(join(FIXTURE_ROOT, variant), dir, { recursive: true });
  for (const file of await listFiles(dir)) {
    if (!file.endsWith('meta.yaml')) continue;
    const text = await readFile(file, 'utf8');
    if (text.includes('/MLFLOW_ROOT')) await writeFile(file, text.replaceAll('/MLFLOW_ROOT', dir));
  }
  return dir;
}

/** Every file below `dir`, as absolute paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** The top-level keys of a meta.yaml, in file order (nested lines are skipped). */
export function metaKeys(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => /^[a-z_]+:/.test(line))
    .map((line) => line.slice(0, line.indexOf(':')));
}
