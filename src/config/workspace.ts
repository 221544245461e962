import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkspaceConfig } from './types.js';
import { checkKeys, readMapping, readString } from './fields.js';
import { describeFound } from './problems.js';
import type { KeyPath, ProblemList } from './problems.js';

/** A target's `workspace:` block as written, before interpolation. */
export interface RawWorkspace {
  root?: string;
  host?: string;
  profile?: string;
  warehouseId?: string;
}

const WORKSPACE_KEYS = ['root', 'host', 'profile', 'warehouse_id'];
const DATABRICKS_KEYS = ['host', 'profile', 'warehouse_id'] as const;

export function readWorkspace(value: unknown, path: KeyPath, problems: ProblemList): RawWorkspace | undefined {
  const mapping = readMapping(
    value,
    path,
    problems,
    'a mapping with root (a local folder) or host (a Databricks workspace)',
  );
  if (!mapping) return undefined;
  checkKeys(mapping, WORKSPACE_KEYS, path, problems);

  const workspace: RawWorkspace = {};
  const field = (key: string): string | undefined =>
    mapping[key] === undefined ? undefined : readString(mapping[key], [...path, key], problems);
  const root = field('root');
  const host = field('host');
  const profile = field('profile');
  const warehouseId = field('warehouse_id');
  if (root !== undefined) workspace.root = root;
  if (host !== undefined) workspace.host = host;
  if (profile !== undefined) workspace.profile = profile;
  if (warehouseId !== undefined) workspace.warehouseId = warehouseId;

  const databricksKeys = DATABRICKS_KEYS.filter((key) => mapping[key] !== undefined);
  if (mapping.root !== undefined && databricksKeys.length > 0) {
    problems.add(
      path,
      'either root (a local workspace) or host/profile/warehouse_id (Databricks), not both',
      `root together with ${databricksKeys.join(', ')}`,
    );
  } else if (mapping.root === undefined && mapping.host === undefined && mapping.profile === undefined) {
    // A profile alone is enough: like the Databricks CLI, the host then comes from ~/.databrickscfg.
    problems.add(
      path,
      'root (a local folder) or host (a Databricks workspace URL)',
      databricksKeys.length > 0 ? `only ${databricksKeys.join(', ')}` : 'neither',
    );
  }
  return workspace;
}

/** Expands `${...}` in one workspace field; the caller records unknown references. */
export type Expand = (text: string, path: KeyPath) => string;

/**
 * The final workspace of a target. A local root becomes absolute against `baseDir`
 * (the config file's folder, or the user's cwd when the embedded defaults are used).
 */
export function resolveWorkspace(
  raw: RawWorkspace,
  path: KeyPath,
  baseDir: string,
  expand: Expand,
  problems: ProblemList,
): WorkspaceConfig {
  if (raw.root !== undefined) {
    const root = expand(raw.root, [...path, 'root']);
    if (root.trim() === '') problems.add([...path, 'root'], 'a folder path', describeFound(root));
    return { type: 'local', root: resolve(baseDir, root) };
  }
  const workspace: WorkspaceConfig = { type: 'databricks' };
  if (raw.host !== undefined) {
    const host = normalizeHost(expand(raw.host, [...path, 'host']));
    if (host === undefined) {
      problems.add([...path, 'host'], 'an https:// URL such as https://adb-123.4.azuredatabricks.net', describeFound(raw.host));
    } else {
      workspace.host = host;
    }
  }
  if (raw.profile !== undefined) workspace.profile = expand(raw.profile, [...path, 'profile']);
  if (raw.warehouseId !== undefined) workspace.warehouseId = expand(raw.warehouseId, [...path, 'warehouse_id']);
  return workspace;
}

/** `https://host/` and `https://host` are the same workspace; API paths are appended later. */
function normalizeHost(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return url.href.replace(/\/+$/, '');
}

export interface TrackingUriSources {
  /** MLFLOW_TRACKING_URI from the environment; empty counts as unset. */
  fromEnv: string | undefined;
  /** The target's tracking_uri, already interpolated. */
  fromTarget: string | undefined;
  workspace: WorkspaceConfig;
  /** Where a plain path in tracking_uri is relative to (same as the workspace root's base). */
  baseDir: string;
  /** Where a plain path in MLFLOW_TRACKING_URI is relative to, as MLflow itself would read it. */
  cwd: string;
}

/** Which of the sources resolveTrackingUri takes its URI from. */
export function trackingUriSource(sources: Pick<TrackingUriSources, 'fromEnv' | 'fromTarget'>): 'MLFLOW_TRACKING_URI' | 'tracking_uri' | 'workspace' {
  if (sources.fromEnv !== undefined && sources.fromEnv.trim() !== '') return 'MLFLOW_TRACKING_URI';
  if (sources.fromTarget !== undefined && sources.fromTarget.trim() !== '') return 'tracking_uri';
  return 'workspace';
}

/** MLFLOW_TRACKING_URI > target tracking_uri > the workspace's own tracking store. */
export function resolveTrackingUri(sources: TrackingUriSources): string {
  if (sources.fromEnv !== undefined && sources.fromEnv.trim() !== '') {
    return pathToFileUri(sources.fromEnv.trim(), sources.cwd);
  }
  if (sources.fromTarget !== undefined && sources.fromTarget.trim() !== '') {
    return pathToFileUri(sources.fromTarget.trim(), sources.baseDir);
  }
  const { workspace } = sources;
  if (workspace.type === 'local') return defaultLocalTrackingUri(workspace.root);
  return workspace.profile ? `databricks://${workspace.profile}` : 'databricks';
}

/**
 * A local workspace's own tracking store: MLflow's SQL schema in `<root>/mlflow.db` (artifacts in
 * `<root>/mlartifacts/`), what `mlflow server --backend-store-uri sqlite:///<root>/mlflow.db` reads.
 */
export function defaultLocalTrackingUri(root: string): string {
  return `sqlite:///${join(root, 'mlflow.db')}`;
}

// MLflow treats a bare path as a file store; making it an absolute file: URI keeps it
// pointing at the same folder whichever directory the pipeline is later run from.
function pathToFileUri(uri: string, baseDir: string): string {
  if (uri === 'databricks') return uri;
  const hasScheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) && !isAbsolute(uri);
  if (hasScheme) return uri;
  return pathToFileURL(resolve(baseDir, uri)).href;
}
