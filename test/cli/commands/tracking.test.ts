import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run-cli.js';
import { openRestTracking } from '../../../src/tracking/rest/open-rest.js';
import { openTracking } from '../../../src/tracking/open.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

/** Starts `mlops tracking serve …`, waits for the URL on stdout, and gives a way to stop it. */
async function serve(args: string[], cwd: string) {
  const controller = new AbortController();
  let stdout = '';
  let stderr = '';
  const exit = runCli(['tracking', 'serve', ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, cwd, signal: controller.signal });
  for (let i = 0; i < 200 && !stdout.includes('\n'); i += 1) {
    if (await Promise.race([exit.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 25))])) break;
  }
  return { url: stdout.trim(), stop: async () => (controller.abort(), await exit), output: () => ({ stdout, stderr }) };
}

describe('mlops tracking serve', () => {
  it('refuses a --root that does not exist, naming it, and creates nothing (exit 2)', async () => {
    const dir = await tempDir();
    const missing = join(dir, 'mlrnus');
    const server = await serve(['--root', missing, '--port', '0'], dir);
    expect(server.url).toBe('');
    expect(await server.stop()).toBe(2);
    expect(server.output().stderr).toContain(`--root ${missing} does not exist`);
    await expect(access(missing)).rejects.toThrow();
  });

  it('serves the given mlruns folder until interrupted, logging requests on stderr', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'mlruns'));
    const server = await serve(['--root', join(dir, 'mlruns'), '--port', '0'], dir);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { tracking } = openRestTracking({ uri: server.url });
    const id = await tracking.createExperiment('served');
    expect((await tracking.getExperiment(id)).name).toBe('served');
    expect(await server.stop()).toBe(0);
    const { stderr } = server.output();
    expect(stderr).toContain(`listening on ${server.url}`);
    expect(stderr).toMatch(/POST \/api\/2\.0\/mlflow\/experiments\/create 200 \d+ ms/);
    expect(stderr).toContain('tracking server stopped');
    await access(join(dir, 'mlruns', id, 'meta.yaml'));
  });

  it("serves the target's SQLite store by default, quietly with -q", async () => {
    const cwd = await tempDir();
    const server = await serve(['-p', '0', '-q'], cwd);
    const { tracking } = openRestTracking({ uri: server.url });
    const id = await tracking.createExperiment('default-root');
    expect((await tracking.getExperiment(id)).artifactLocation).toBe(`mlflow-artifacts:/${id}`);
    expect(await server.stop()).toBe(0);
    const local = openTracking(`sqlite:///${join(cwd, '.mlops', 'mlflow.db')}`, { baseDir: cwd });
    expect((await local.tracking.getExperiment(id)).name).toBe('default-root');
    expect(server.output().stderr).not.toContain('experiments/create');
  });

  it('exits 2 on a bad port, an unknown sub-command or a target that does not track to a file store', async () => {
    const cwd = await tempDir();
    const run = async (args: string[], env: Record<string, string> = {}) => {
      let stderr = '';
      const code = await runCli(args, { stdout: () => undefined, stderr: (t) => (stderr += t), env, cwd });
      return { code, stderr };
    };
    expect(await run(['tracking', 'serve', '--port', 'http'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--port must be a number') });
    expect((await run(['tracking', 'launch'])).code).toBe(2);
    expect(await run(['tracking', 'serve', '--root', cwd, '--max-body-bytes', '64MB'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--max-body-bytes must be a positive number of bytes, got "64MB"') });
    expect((await run(['tracking', 'serve', '--root', cwd, '--max-artifact-bytes', '0'])).code).toBe(2);
    const remote = await run(['tracking', 'serve'], { MLFLOW_TRACKING_URI: 'http://user:pw@mlflow.example.com' });
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('pass --root DIR');
    expect(remote.stderr).not.toContain('user:pw');
  });
});
