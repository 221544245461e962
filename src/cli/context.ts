import { stat } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { loadConfig } from '../config/load.js';
import { defaultLocalTrackingUri } from '../config/workspace.js';
import type { ResolvedConfig } from '../config/types.js';
import { MlopsError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { sqlitePathFromUri } from '../tracking/sql-store/sqlite-uri.js';
import { openWorkspace } from '../workspace/open.js';
import type { Workspace } from '../workspace/types.js';
import { loadOptionsFrom } from './args.js';
import type { CliIo } from './io.js';

type ConfigValues = { target?: string | undefined; var?: string[] | undefined; config?: string | undefined };

/**
 * The first progress line of every command: which mlops.yml, which target, which workspace (and the
 * tracking store when it is not the workspace's own), so nobody wonders which project a command used.
 */
export function contextLine(config: ResolvedConfig, cwd: string): string {
  const from = config.configPath ?? `the bundled config (no mlops.yml in ${cwd} or its parents)`;
  const parts = [`using ${from}`, `target ${config.target}`, `workspace ${describeWorkspace(config)}`];
  if (config.trackingUri !== defaultTrackingUri(config)) parts.push(`tracking ${redactUrl(config.trackingUri)}${config.trackingUriFrom === 'MLFLOW_TRACKING_URI' ? ' (MLFLOW_TRACKING_URI)' : ''}`);
  return parts.join(' · ');
}

function describeWorkspace(config: ResolvedConfig): string {
  const ws = config.workspace;
  if (ws.type === 'local') return ws.root;
  const where = ws.host ?? (ws.profile ? `profile ${ws.profile}` : 'from DATABRICKS_HOST');
  return `Databricks ${where}${ws.host && ws.profile ? ` (profile ${ws.profile})` : ''}`;
}

function defaultTrackingUri(config: ResolvedConfig): string | undefined {
  return config.workspace.type === 'local' ? defaultLocalTrackingUri(config.workspace.root) : undefined;
}

/** Loads mlops.yml as the command's options say and prints the context line (unless quiet). */
export async function loadCommandConfig(values: ConfigValues, io: CliIo, options: { quiet?: boolean } = {}): Promise<ResolvedConfig> {
  const config = await loadConfig(loadOptionsFrom(values, io));
  if (!options.quiet) io.stderr(`${contextLine(config, io.cwd)}\n`);
  return config;
}

export type StoreAccess = 'read' | 'write';

export interface TargetWorkspace {
  config: ResolvedConfig;
  workspace: Workspace;
}

/**
 * The configured target's workspace. Commands that only read (`runs`, `models`, `ingest status`)
 * never create a store: a file store that is not there is either a mistake to name (a tracking URI
 * given by MLFLOW_TRACKING_URI or tracking_uri) or a workspace where nothing has run yet, which
 * `onMissing` decides how to answer (by default an error).
 */
export async function openCommandWorkspace(
  values: ConfigValues,
  io: CliIo,
  options: { access: StoreAccess; quiet?: boolean; /** What the command looks up, named when the store is missing, e.g. "Model m version 3". */ subject?: string },
): Promise<TargetWorkspace> {
  const config = await loadCommandConfig(values, io, options);
  if (options.access === 'read') await checkStoresExist(config, options.subject);
  return { config, workspace: await openWorkspace(config, { env: io.env }) };
}

/** Thrown (code NOT_FOUND, details.nothing_ran) when a read-only command finds a local workspace where nothing has run. */
export function isNothingRanYet(error: unknown): boolean {
  return error instanceof MlopsError && error.code === 'NOT_FOUND' && error.details?.nothing_ran === true;
}

/** Throws when the tracking file store (or the local workspace) a read-only command would read does not exist. */
export async function checkStoresExist(config: ResolvedConfig, subject?: string): Promise<void> {
  let store: string;
  let what: string;
  if (config.trackingUri.startsWith('file:')) {
    store = fileURLToPath(config.trackingUri);
    if (await isFolder(store)) return;
    what = 'an existing MLflow file store folder';
  } else if (/^sqlite:/i.test(config.trackingUri)) {
    store = sqlitePathFromUri(config.trackingUri, config.configDir);
    if (await isFile(store)) return;
    what = 'an existing MLflow SQLite database';
  } else {
    return;
  }
  const from = config.trackingUriFrom;
  if (from === 'MLFLOW_TRACKING_URI' || from === 'tracking_uri') {
    const where = from === 'MLFLOW_TRACKING_URI' ? 'MLFLOW_TRACKING_URI' : `targets.${config.target}.tracking_uri of ${config.configPath ?? 'the bundled config'}`;
    throw new MlopsError('CONFIG_INVALID', `Tracking store ${store} (from ${where}) does not exist; expected ${what} — check the spelling`, {
      details: { tracking_uri: config.trackingUri, from, hint: `a job run creates it: mlops run pipeline_job` },
    });
  }
  const root = config.workspace.type === 'local' ? config.workspace.root : store;
  const nothing = `nothing has run in the workspace ${root} yet (its tracking store ${store} does not exist)`;
  throw new MlopsError('NOT_FOUND', subject ? `${subject} not found: ${nothing}` : `${nothing[0]!.toUpperCase()}${nothing.slice(1)}`, {
    details: { nothing_ran: true, workspace: root, hint: 'mlops run pipeline_job creates it' },
  });
}

/**
 * Before a job run writes to a tracking store named by MLFLOW_TRACKING_URI or a target's
 * tracking_uri, checks that it can be the store meant rather than a typo that silently becomes a
 * new one: a file store's or SQLite database's folder must exist (the store itself may be created
 * there, as MLflow does), and an http(s) server must answer (any HTTP status counts) within
 * `timeoutMs`. CONFIG_INVALID (exit 2) naming the URI and where it came from. The workspace's own
 * default store is not checked: the first run creates it.
 */
export async function checkTrackingStoreForRun(config: ResolvedConfig, options: { fetch?: typeof fetch; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const from = config.trackingUriFrom;
  if (from !== 'MLFLOW_TRACKING_URI' && from !== 'tracking_uri') return;
  const where = from === 'MLFLOW_TRACKING_URI' ? 'MLFLOW_TRACKING_URI' : `targets.${config.target}.tracking_uri of ${config.configPath ?? 'the bundled config'}`;
  const uri = config.trackingUri;
  const fail = (problem: string, hint: string, shown = redactUrl(uri)): never => {
    throw new MlopsError('CONFIG_INVALID', `Tracking URI ${shown} (from ${where}): ${problem} — check the spelling`, {
      details: { tracking_uri: redactUrl(uri), from, hint },
    });
  };
  if (uri.startsWith('file:') || /^sqlite:/i.test(uri)) {
    const store = uri.startsWith('file:') ? fileURLToPath(uri) : sqlitePathFromUri(uri, config.configDir);
    const parent = dirname(store);
    // A store inside the local workspace folder (e.g. ./.mlops/mlruns) is no typo: the run creates that folder.
    const inWorkspace = config.workspace.type === 'local' && !relative(config.workspace.root, parent).startsWith('..') && !isAbsolute(relative(config.workspace.root, parent));
    if (!inWorkspace && !(await isFolder(parent))) fail(`the folder ${parent} that would hold the store ${store} does not exist`, `create ${parent} first if a new store is meant there`);
    return;
  }
  if (/^https?:\/\//i.test(uri)) {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 5_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    // Only whether it answers: credentials are not sent (fetch refuses URLs that hold them) nor shown.
    const url = new URL(uri);
    url.username = '';
    url.password = '';
    try {
      const response = await (options.fetch ?? fetch)(url, { method: 'GET', signal, redirect: 'manual' });
      await response.body?.cancel();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const reason = timeout.aborted ? `no answer within ${(options.timeoutMs ?? 5_000) / 1000} s` : describeFetchError(error);
      fail(`the server could not be reached (${reason})`, 'start the MLflow server, or unset the variable to use the workspace\'s own store', redactUrl(url.href));
    }
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}
