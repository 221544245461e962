import type { ResolvedConfig } from '../config/types.js';
import { openTracking } from '../tracking/open.js';
import { LocalTableStore } from './local/tables.js';
import { LocalVolumeStore } from './local/volumes.js';
import type { Workspace } from './types.js';

/** Opens the workspace a resolved target names. */
export async function openWorkspace(config: ResolvedConfig, options: { env?: Record<string, string | undefined> } = {}): Promise<Workspace> {
  const ws = config.workspace;
  if (ws.type === 'databricks') {
    // Imported on use: a local run need not load the Databricks backend.
    const { openDatabricksWorkspace } = await import('./databricks/workspace.js');
    return openDatabricksWorkspace(
      {
        ...(ws.host !== undefined ? { host: ws.host } : {}),
        ...(ws.profile !== undefined ? { profile: ws.profile } : {}),
        ...(ws.warehouseId !== undefined ? { warehouseId: ws.warehouseId } : {}),
        trackingUri: config.trackingUri,
      },
      { baseDir: config.configDir, ...(options.env ? { env: options.env } : {}) },
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
