import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { checkTrackingStoreForRun } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/run-cli.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function cli(args: string[], cwd: string, env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd });
  return { code, stdout, stderr };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('mlops run with a mistyped MLFLOW_TRACKING_URI', () => {
  it('refuses a sqlite:/// database or a file store whose folder does not exist, naming the URI and the variable, and creates nothing (exit 2)', async () => {
    const cwd = await tempDir();
    const missing = join(cwd, 'no-such-folder');
    for (const uri of [`sqlite:///${missing}/mlflow.db`, join(missing, 'mlruns')]) {
      const out = await cli(['run', 'model_training_job'], cwd, { MLFLOW_TRACKING_URI: uri });
      expect(out.code, out.stderr).toBe(2);
      expect(out.stderr).toContain('(from MLFLOW_TRACKING_URI)');
      expect(out.stderr).toContain(`the folder ${missing}`);
      expect(out.stderr).toContain('does not exist');
    }
    await expect(stat(missing)).rejects.toThrow();
    await expect(stat(join(cwd, '.mlops'))).rejects.toThrow();
  });

  it('refuses an http:// server that does not answer (exit 2), without showing its password', async () => {
    const cwd = await tempDir();
    const port = await closedPort();
    const out = await cli(['run', 'model_training_job'], cwd, { MLFLOW_TRACKING_URI: `http://ana:s3cr3t@127.0.0.1:${port}` });
    expect(out.code, out.stderr).toBe(2);
    expect(out.stderr).toContain(`127.0.0.1:${port}`);
    expect(out.stderr).toContain('(from MLFLOW_TRACKING_URI): the server could not be reached (ECONNREFUSED)');
    expect(out.stderr).not.toContain('s3cr3t');
  });

  it('accepts a new store in an existing folder or in the workspace folder, a server that answers any status, and the workspace default', async () => {
    const cwd = await tempDir();
    const server = createServer((_request, response) => response.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      // ./.mlops/mlruns in a fresh project: its folder is the workspace's, which the run creates.
      for (const uri of [`sqlite:///${cwd}/new.db`, join(cwd, 'new-mlruns'), `http://127.0.0.1:${port}`, './.mlops/mlruns', `sqlite:///${cwd}/.mlops/sub/x.db`]) {
        const config = await loadConfig({ cwd, env: { MLFLOW_TRACKING_URI: uri } });
        expect(config.trackingUriFrom).toBe('MLFLOW_TRACKING_URI');
        await expect(checkTrackingStoreForRun(config)).resolves.toBeUndefined();
      }
      // The workspace's own store is created by the first run, as before.
      await expect(checkTrackingStoreForRun(await loadConfig({ cwd: join(cwd, 'fresh'), env: {} }))).resolves.toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
