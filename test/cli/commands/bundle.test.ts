import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run-cli.js';
import { useFakeDatabricks } from '../../fakes/databricks/helpers.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

async function cli(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), env, cwd });
  return { code, out, err };
}

describe('mlops bundle validate', () => {
  const tempDir = useTempDirs();
  const startFake = useFakeDatabricks();

  async function project(host: string, warehouse: string): Promise<string> {
    const dir = await tempDir();
    const yml = (await readFile(new URL('../../../mlops.yml', import.meta.url), 'utf8'))
      .replace(/host: https:\/\/adb-[^\s]+/, `host: ${host}`)
      .replace(/\n\s*profile: hp-mlops/, '')
      .replace(/warehouse_id: "[^"]*"/, `warehouse_id: "${warehouse}"`);
    await writeFile(join(dir, 'mlops.yml'), yml);
    return dir;
  }

  it('validates the project prod target offline and names the credential source, masked', async () => {
    const dir = await project('https://adb-1234567890123456.7.azuredatabricks.net', '0123456789abcdef');
    const { code, out } = await cli(['bundle', 'validate', '--target', 'prod'], { DATABRICKS_TOKEN: 'dapi-very-secret-0001', HOME: dir }, dir);
    expect(code).toBe(0);
    expect(out).toContain('Target prod (Databricks):');
    expect(out).toContain('✓ auth: personal access token from env DATABRICKS_TOKEN');
    expect(out).toContain('✓ warehouse_id: 0123456789abcdef');
    expect(out).toContain('Validation OK');
    expect(out).not.toContain('dapi-very-secret-0001');
  });

  it('exits 2 and says what to set when no credentials are configured', async () => {
    const dir = await project('https://adb-1234567890123456.7.azuredatabricks.net', '');
    const { code, out } = await cli(['bundle', 'validate', '-t', 'prod', '-o', 'json'], { HOME: dir }, dir);
    expect(code).toBe(2);
    const result = JSON.parse(out) as { valid: boolean; checks: { subject: string; status: string; message: string }[] };
    expect(result.valid).toBe(false);
    expect(result.checks.find((c) => c.subject === 'auth')?.message).toMatch(/No Databricks credentials .* set DATABRICKS_TOKEN/);
    expect(result.checks.find((c) => c.subject === 'warehouse_id')?.status).toBe('error');
  });

  it('checks the dev target as local', async () => {
    const dir = await project('https://adb-1.azuredatabricks.net', '0123456789abcdef');
    const { code, out } = await cli(['bundle', 'validate'], { HOME: dir }, dir);
    expect(code).toBe(0);
    expect(out).toMatch(/Target dev \(local\):\n {2}✓ workspace: target dev runs locally in .*\.mlops/);
  });

  it('--online asks the workspace who the credentials belong to and whether the warehouse exists', async () => {
    const fake = await startFake();
    const dir = await project(fake.url, fake.warehouseId);
    const { code, out } = await cli(['bundle', 'validate', '-t', 'prod', '--online'], { DATABRICKS_TOKEN: fake.token, HOME: dir }, dir);
    expect(code).toBe(0);
    expect(out).toContain(`✓ auth (online): authenticated as ${fake.userName}`);
    expect(out).toContain('✓ warehouse_id (online): Serverless Starter Warehouse is RUNNING');
    const wrong = await project(fake.url, 'fedcba9876543210');
    const failed = await cli(['bundle', 'validate', '-t', 'prod', '--online'], { DATABRICKS_TOKEN: fake.token, HOME: wrong }, wrong);
    expect(failed.code).toBe(2);
    expect(failed.out).toMatch(/✗ warehouse_id \(online\): .*404 RESOURCE_DOES_NOT_EXIST/);
  });

  it('prints usage for anything but validate', async () => {
    const dir = await tempDir();
    const { code, out } = await cli(['bundle'], { HOME: dir }, dir);
    expect(code).toBe(2);
    expect(out).toContain('Usage: mlops bundle validate');
  });
});
