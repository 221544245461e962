import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../errors.js';
import type { ResolvedConfig } from './types.js';
import { keepLegacyFileStore } from './legacy-store.js';
import { parseConfig } from './parse.js';

export { parseConfig } from './parse.js';
export type { ParseConfigOptions } from './parse.js';
export { applyJobOverrides, parseVarArgs } from './overrides.js';

export interface LoadConfigOptions {
  /** An explicit mlops.yml (or a folder holding one), relative to cwd. */
  path?: string;
  /** Default process.cwd(); when no path is given, mlops.yml is looked for here, then in each parent folder. */
  cwd?: string;
  /** Default: the target with `default: true`. */
  target?: string;
  /** --var name=value */
  vars?: Record<string, string>;
  /** Default process.env; BUNDLE_VAR_<name> and MLFLOW_TRACKING_URI are read from it. */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Told once when the workspace keeps its older mlruns file store instead of the SQLite default. */
  onNotice?: (message: string) => void;
}

export const CONFIG_FILE_NAMES = ['mlops.yml', 'mlops.yaml'] as const;

/**
 * The package root: this file is src/config/load.ts when run from source and
 * dist/config/load.js when built, two folders below the root either way.
 */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/**
 * Reads mlops.yml (the given path, else the nearest mlops.yml in cwd or its parents, else the
 * package's own defaults) and resolves it for one target.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const located = await locateConfig(options.path, cwd);
  const text = await readConfigText(located.path, options.signal);
  const config = parseConfig(text, {
    source: located.path,
    configDir: located.embedded ? packageRoot() : dirname(located.path),
    ...(located.embedded ? { embedded: true } : { configPath: located.path }),
    cwd,
    ...(options.target === undefined ? {} : { target: options.target }),
    ...(options.vars === undefined ? {} : { vars: options.vars }),
    env: options.env ?? process.env,
  });
  return keepLegacyFileStore(config, options.onNotice);
}

interface LocatedConfig {
  path: string;
  embedded: boolean;
}

async function locateConfig(explicit: string | undefined, cwd: string): Promise<LocatedConfig> {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    const kind = await fileKind(path);
    if (kind === 'file') return { path, embedded: false };
    if (kind === 'directory') {
      const inside = await firstConfigIn(path);
      if (inside) return { path: inside, embedded: false };
      throw new MlopsError(
        'CONFIG_INVALID',
        `Config not found: expected ${CONFIG_FILE_NAMES.join(' or ')} in the folder ${path}, found neither`,
        { details: { file: path } },
      );
    }
    throw new MlopsError('CONFIG_INVALID', `Config not found: expected a file at ${path}, found nothing`, {
      details: { file: path },
    });
  }
  const found = await findProjectConfig(cwd);
  if (found) return { path: found, embedded: false };
  return { path: join(packageRoot(), 'mlops.yml'), embedded: true };
}

/**
 * The nearest mlops.yml (or mlops.yaml) in `cwd` or one of its parents, as git finds .git and
 * `databricks bundle` finds databricks.yml; undefined when no folder up to the root has one.
 * A folder named mlops.yml is a mistake to report, not a reason to look further up.
 */
export async function findProjectConfig(cwd: string): Promise<string | undefined> {
  let folder = resolve(cwd);
  for (;;) {
    const inFolder = await firstConfigIn(folder);
    if (inFolder) return inFolder;
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}

async function firstConfigIn(folder: string): Promise<string | undefined> {
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = join(folder, name);
    const kind = await fileKind(candidate);
    if (kind === 'file') return candidate;
    if (kind === 'directory') {
      throw new MlopsError('CONFIG_INVALID', `Config ${candidate} is a directory; expected the project's ${name} file there (rename or remove the folder)`, {
        details: { file: candidate },
      });
    }
  }
  return undefined;
}

async function fileKind(path: string): Promise<'file' | 'directory' | 'missing'> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) return 'directory';
    return 'file';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return 'missing';
    }
    throw new MlopsError('IO', `Cannot inspect the config path ${path}: ${(error as Error).message}`, { cause: error });
  }
}

async function readConfigText(path: string, signal: AbortSignal | undefined): Promise<string> {
  try {
    return await readFile(path, { encoding: 'utf8', ...(signal ? { signal } : {}) });
  } catch (error) {
    if ((error as Error).name === 'AbortError') {
      throw new MlopsError('ABORTED', `Reading ${path} was aborted`, { cause: error });
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MlopsError('CONFIG_INVALID', `Config not found: expected a file at ${path}, found nothing`, {
        cause: error,
        details: { file: path },
      });
    }
    throw new MlopsError('IO', `Cannot read the config file ${path}: ${(error as Error).message}`, { cause: error });
  }
}
