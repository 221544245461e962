import { cp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run-cli.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

/** A port nothing listens on: bound, closed, and not reused this soon. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function cli(args: string[], cwd: string, env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd });
  return { code, stdout, stderr };
}

describe('a wrong SPARK_REMOTE (Node only: nothing listens there)', () => {
  const tempDir = useTempDirs();

  it('bundle validate --target spark: exit 2 and an error naming the URL; a job fails before any run, naming it too', async () => {
    const dir = await tempDir();
    await cp(new URL('../../../mlops.yml', import.meta.url), join(dir, 'mlops.yml'));
    const url = `sc://127.0.0.1:${await closedPort()}`;
    const validate = await cli(['bundle', 'validate', '--target', 'spark'], dir, { SPARK_REMOTE: url });
    expect(validate.code).toBe(2);
    expect(validate.stdout).toContain(`✗ engine.spark: Cannot reach the Spark Connect server at ${url}: ECONNREFUSED`);

    const run = await cli(['run', 'batch_inference_job', '--target', 'spark'], dir, { SPARK_REMOTE: url });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`Cannot reach the Spark Connect server at ${url}`);
  });
});
