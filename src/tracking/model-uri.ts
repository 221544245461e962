import { MlopsError } from '../errors.js';
import type { ModelRegistry, ModelVersion, TrackingStore } from './types.js';

/** The model URIs MLflow understands. */
export type ModelUri =
  | { kind: 'runs'; runId: string; path: string }
  | { kind: 'version'; name: string; version: string }
  | { kind: 'alias'; name: string; alias: string }
  | { kind: 'latest'; name: string };

export function parseModelUri(uri: string): ModelUri {
  const runs = /^runs:\/([0-9a-zA-Z_-]+)\/(.+)$/.exec(uri);
  if (runs) return { kind: 'runs', runId: runs[1]!, path: runs[2]!.replace(/\/+$/, '') };
  const models = /^models:\/(.+)$/.exec(uri);
  if (models) {
    const rest = models[1]!;
    const at = rest.lastIndexOf('@');
    if (at > 0) return { kind: 'alias', name: rest.slice(0, at), alias: rest.slice(at + 1) };
    const slash = rest.lastIndexOf('/');
    if (slash > 0) {
      const name = rest.slice(0, slash);
      const ref = rest.slice(slash + 1);
      if (ref === 'latest') return { kind: 'latest', name };
      if (/^[1-9][0-9]*$/.test(ref)) return { kind: 'version', name, version: ref };
    }
  }
  throw new MlopsError(
    'INVALID_ARGUMENT',
    `Model URI "${uri}" is not one of runs:/<run_id>/<path>, models:/<name>/<version>, models:/<name>@<alias>, models:/<name>/latest`,
    { details: { uri } },
  );
}

export function formatModelUri(uri: ModelUri): string {
  switch (uri.kind) {
    case 'runs':
      return `runs:/${uri.runId}/${uri.path}`;
    case 'version':
      return `models:/${uri.name}/${uri.version}`;
    case 'alias':
      return `models:/${uri.name}@${uri.alias}`;
    case 'latest':
      return `models:/${uri.name}/latest`;
  }
}

export interface ResolvedModelLocation {
  runId: string;
  /** The model's folder relative to the run's artifact root, e.g. "model". */
  artifactPath: string;
  /** Set when the URI named a registered model. */
  version?: ModelVersion;
}

/** Finds the run artifacts behind any model URI. */
export async function resolveModelUri(
  uri: string | ModelUri,
  stores: { tracking: TrackingStore; registry: ModelRegistry },
  options: { signal?: AbortSignal } = {},
): Promise<ResolvedModelLocation> {
  const parsed = typeof uri === 'string' ? parseModelUri(uri) : uri;
  if (parsed.kind === 'runs') return { runId: parsed.runId, artifactPath: parsed.path };
  let version: ModelVersion;
  if (parsed.kind === 'version') {
    version = await stores.registry.getModelVersion(parsed.name, parsed.version, options);
  } else if (parsed.kind === 'alias') {
    version = await stores.registry.getModelVersionByAlias(parsed.name, parsed.alias, options);
  } else {
    const versions = await stores.registry.listModelVersions(parsed.name, options);
    const newest = versions[0];
    if (!newest) throw new MlopsError('NOT_FOUND', `Registered model "${parsed.name}" has no versions`, { details: { name: parsed.name } });
    version = newest;
  }
  return { ...(await locateVersionArtifacts(version, stores.tracking, options)), version };
}

async function locateVersionArtifacts(
  version: ModelVersion,
  tracking: TrackingStore,
  options: { signal?: AbortSignal },
): Promise<{ runId: string; artifactPath: string }> {
  const fromRunsUri = /^runs:\/([^/]+)\/(.+)$/.exec(version.source);
  if (fromRunsUri) return { runId: fromRunsUri[1]!, artifactPath: fromRunsUri[2]! };
  if (!version.runId) {
    throw new MlopsError('NOT_FOUND', `Model ${version.name} version ${version.version} has no run; its source is ${version.source}`, {
      details: { name: version.name, version: version.version, source: version.source },
    });
  }
  const run = await tracking.getRun(version.runId, options);
  const root = run.info.artifactUri.replace(/\/+$/, '');
  if (version.source.startsWith(root + '/')) {
    return { runId: version.runId, artifactPath: version.source.slice(root.length + 1) };
  }
  throw new MlopsError(
    'NOT_FOUND',
    `Model ${version.name} version ${version.version}: source ${version.source} is not under its run's artifact root ${root}`,
    { details: { name: version.name, version: version.version, source: version.source } },
  );
}
