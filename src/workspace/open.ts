import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../config/types.js';
import { MlopsError } from '../errors.js';
import { FileModelRegistry } from '../tracking/file-store/registry-file-store.js';
import { FileTrackingStore } from '../tracking/file-store/tracking-file-store.js';
import type { ModelRegistry, TrackingStore } from '../tracking/types.js';
import { LocalTableStore } from './local/tables.js';
import { LocalVolumeStore } from './local/volumes.js';
import type { Workspace } from './types.js';

/** Opens the workspace a resolved target names. */
export async function openWorkspace(config: ResolvedConfig): Promise<Workspace> {
  const ws = config.workspace;
  if (ws.type === 'databricks') {
    throw new MlopsError(
      'CONFIG_INVALID',
      `Target "${config.target}" uses a Databricks workspace (${ws.host ?? `profile ${ws.profile ?? 'DEFAULT'}`}); ` +
        'the Databricks backend is not available in this version yet — use a target with a local workspace (e.g. --target dev)',
      { details: { target: config.target } },
    );
  }
  const { tracking, registry } = openTracking(config.trackingUri, config.configDir);
  return {
    kind: 'local',
    location: ws.root,
    volumes: new LocalVolumeStore({ root: ws.root }),
    tables: new LocalTableStore({ root: ws.root }),
    tracking,
    registry,
  };
}

/** MLflow's tracking-URI conventions: a path or file: URI is a file store; http(s) and databricks come later. */
export function openTracking(uri: string, baseDir: string): { tracking: TrackingStore; registry: ModelRegistry } {
  if (/^https?:\/\//i.test(uri) || /^databricks(:|$)/.test(uri)) {
    throw new MlopsError('CONFIG_INVALID', `Tracking URI ${redactUri(uri)} needs a REST tracking client, which this version does not have yet; use a file store path or file: URI`, {
      details: { trackingUri: redactUri(uri) },
    });
  }
  let root: string;
  if (uri.startsWith('file:')) root = fileURLToPath(uri);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new MlopsError('CONFIG_INVALID', `Tracking URI scheme of ${redactUri(uri)} is not supported; expected a path, file:, http(s): or databricks`, {
      details: { trackingUri: redactUri(uri) },
    });
  } else root = isAbsolute(uri) ? uri : resolve(baseDir, uri);
  return { tracking: new FileTrackingStore({ root, uri: `file://${root}` }), registry: new FileModelRegistry({ root }) };
}

/** Drops user:password from a URI so it can appear in a message. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^/@]*@/, '//***@');
}
