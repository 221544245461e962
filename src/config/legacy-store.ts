import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultLocalTrackingUri } from './workspace.js';
import type { ResolvedConfig } from './types.js';

/** Entries of a folder, or none when it is absent. */
async function entries(dir: string): Promise<Array<{ name: string; isDirectory: boolean }>> {
  try {
    return (await readdir(dir, { withFileTypes: true })).map((entry) => ({ name: entry.name, isDirectory: entry.isDirectory() }));
  } catch {
    return [];
  }
}

/** True when an mlruns folder holds anything beyond the empty Default experiment MLflow makes with it. */
export async function mlrunsHasData(mlruns: string): Promise<boolean> {
  for (const entry of await entries(mlruns)) {
    if (!entry.isDirectory || entry.name.startsWith('.')) continue;
    if (entry.name !== '0') return true;
    if ((await entries(join(mlruns, '0'))).some((child) => child.isDirectory && child.name !== 'tags')) return true;
  }
  return false;
}

/**
 * Workspaces made before the SQLite store was the default keep their file store: when the
 * target did not choose a tracking URI, `<root>/mlruns` holds runs or models and no
 * `<root>/mlflow.db` exists, the file store stays in use, with a notice that says how to move
 * it over. Like MLflow, which keeps reading an existing ./mlruns.
 */
export async function keepLegacyFileStore(config: ResolvedConfig, onNotice?: (message: string) => void): Promise<ResolvedConfig> {
  if (config.workspace.type !== 'local') return config;
  const root = config.workspace.root;
  if (config.trackingUri !== defaultLocalTrackingUri(root)) return config;
  const database = join(root, 'mlflow.db');
  if ((await entries(root)).some((entry) => entry.name === 'mlflow.db')) return config;
  const mlruns = join(root, 'mlruns');
  if (!(await mlrunsHasData(mlruns))) return config;
  onNotice?.(
    `using the existing MLflow file store ${mlruns} (the default is now an SQLite store, ${database}); ` +
      `to move its runs and models there: mlops tracking migrate ${mlruns} sqlite:///${database}`,
  );
  return { ...config, trackingUri: pathToFileURL(mlruns).href };
}
