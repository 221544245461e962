import { loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { openWorkspace } from '../workspace/open.js';
import type { Workspace } from '../workspace/types.js';
import { loadOptionsFrom } from './args.js';
import type { CliIo } from './io.js';

/** The configured target's workspace, for commands that inspect rather than run. */
export async function openTargetWorkspace(
  values: { target?: string | undefined; var?: string[] | undefined; config?: string | undefined },
  io: CliIo,
): Promise<{ config: ResolvedConfig; workspace: Workspace }> {
  const config = await loadConfig(loadOptionsFrom(values, io));
  return { config, workspace: await openWorkspace(config, { env: io.env }) };
}
