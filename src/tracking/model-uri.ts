import { MlopsError } from '../errors.js';
import { loggedModelIdOfUri } from './logged-models.js';
import type { CallOptions, LoggedModelStore, ModelRegistry, ModelVersion, TrackingStore } from './types.js';

/** The model URIs MLflow understands. */
export type ModelUri =
  | { kind: 'runs'; runId: string; path: string }
  | { kind: 'version'; name: string; version: string }
  | { kind: 'alias'; name: string; alias: string }
  | { kind: 'latest'; name: string }
  /** An MLflow 3 logged model: models:/m-<32 hex digits>. */
  | { kind: 'logged'; modelId: string };


export function parseModelUri(uri: string): ModelUri {
  const runs = /^runs:\/([0-9a-zA-Z_-]+)\/(.+)$/.exec(uri);
  if (runs) return { kind: 'runs', runId: runs[1]!, path: runs[2]!.replace(/\/+$/, '') };
  const logged = loggedModelIdOfUri(uri);
  if (logged !== undefined) return { kind: 'logged', modelId: logged };
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
    `Model URI "${uri}" is not one of runs:/<run_id>/<path>, models:/<name>/<version>, models:/<name>@<alias>, models:/<name>/latest, models:/m-<model id>`,
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
    case 'logged':
      return `models:/${uri.modelId}`;
  }
}

export interface ResolvedModelLocation {
  /** The run whose artifacts hold the model; for a logged model, the run that produced it ('' when none). */
  runId: string;
  /** The model's folder relative to the run's artifact root, e.g. "model". */
  artifactPath: string;
  /** Set when the URI named a registered model. */
  version?: ModelVersion;
  /** Set when the model is an MLflow 3 logged model: its files are the logged model's artifacts (artifactPath is ''). */
  modelId?: string;
}

async function loggedModelsOf(tracking: TrackingStore, uri: string, options: CallOptions): Promise<LoggedModelStore> {
  const store = await tracking.loggedModels?.(options);
  if (store === undefined) {
    throw new MlopsError('NOT_FOUND', `${uri} names an MLflow 3 logged model, but the tracking store ${tracking.uri} has no logged models (an MLflow 2.x store)`, {
      details: { uri },
    });
  }
  return store;
}

async function locateLoggedModel(modelId: string, tracking: TrackingStore, options: CallOptions): Promise<{ runId: string; artifactPath: string; modelId: string }> {
  const model = await (await loggedModelsOf(tracking, `models:/${modelId}`, options)).getLoggedModel(modelId, options);
  return { runId: model.sourceRunId, artifactPath: '', modelId };
}

/** Reads one file of a resolved model (relative to the model's folder), from a run's artifacts or a logged model's. */
export async function downloadModelFile(location: ResolvedModelLocation, tracking: TrackingStore, relative: string, options: CallOptions = {}): Promise<Uint8Array> {
  if (location.modelId !== undefined) return (await loggedModelsOf(tracking, `models:/${location.modelId}`, options)).downloadLoggedModelArtifact(location.modelId, relative, options);
  return tracking.downloadArtifact(location.runId, location.artifactPath === '' ? relative : `${location.artifactPath}/${relative}`, options);
}

/** Finds the run artifacts behind any model URI. */
export async function resolveModelUri(
  uri: string | ModelUri,
  stores: { tracking: TrackingStore; registry: ModelRegistry },
  options: { signal?: AbortSignal } = {},
): Promise<ResolvedModelLocation> {
  const parsed = typeof uri === 'string' ? parseModelUri(uri) : uri;
  if (parsed.kind === 'runs') return { runId: parsed.runId, artifactPath: parsed.path };
  if (parsed.kind === 'logged') return locateLoggedModel(parsed.modelId, stores.tracking, options);
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
): Promise<{ runId: string; artifactPath: string; modelId?: string }> {
  const loggedModel = loggedModelIdOfUri(version.source) ?? version.modelId;
  if (loggedModel !== undefined && (await tracking.loggedModels?.(options)) !== undefined) return locateLoggedModel(loggedModel, tracking, options);
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
