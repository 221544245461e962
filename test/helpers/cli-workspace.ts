import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../../src/cli/run-cli.js';
import { silentReporter } from '../../src/pipeline/reporter.js';
import type { StageContext } from '../../src/stages/context.js';
import { openWorkspace } from '../../src/workspace/open.js';

/** The stage context of the workspace that `mlops` run in `cwd` (bundled mlops.yml, dev target) uses. */
export async function cliWorkspaceContext(cwd: string): Promise<StageContext> {
  const config = await loadConfig({ cwd, env: {} });
  return { workspace: await openWorkspace(config, { env: {} }), config, reporter: silentReporter, now: Date.now };
}

/** Runs the CLI in-process, collecting what it prints. */
export async function cli(args: string[], cwd: string, signal?: AbortSignal, onStderr?: (text: string) => void) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => {
      stderr += t;
      onStderr?.(t);
    },
    env: {},
    cwd,
    ...(signal ? { signal } : {}),
  });
  return { code, stdout, stderr };
}
