import type { ResolvedConfig } from '../config/types.js';
import { MlopsError } from '../errors.js';
import { openTracking } from '../tracking/open.js';
import { LocalTableStore } from './local/tables.js';
import { LocalVolumeStore } from './local/volumes.js';
import type { Workspace } from './types.js';

/** Opens the workspace a resolved target names. */
export async function openWorkspace(config: ResolvedConfig, options: { env?: Record<string, string | undefined> } = {}): Promise<Workspace> {
  const ws = config.workspace;
  if (ws.type === 'databricks') {
    throw new MlopsError(
      'CONFIG_INVALID',
      `Target "${config.target}" uses a Databricks workspace (${ws.host ?? `profile ${ws.profile ?? 'DEFAULT'}`}); ` +
        'the Databricks backend is not available in this version yet — use a target with a local workspace (e.g. --target dev)',
      { details: { target: config.target } },
    );
  }
  const { tracking, registry } = openTracking(config.trackingUri, { baseDir: config.configDir, ...(options.env ? { env: options.env } : {}) });
  return {
    kind: 'local',
    location: ws.root,
    volumes: new LocalVolumeStore({ root: ws.root }),
    tables: new LocalTableStore({ root: ws.root }),
    tracking,
    registry,
  };
}
