import { readFile, writeFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { asDatabricksWorkspace, openDatabricksWorkspace } from '../../../src/workspace/databricks/workspace.js';
import { openWorkspace } from '../../../src/workspace/open.js';
import { useFakeDatabricks } from '../../fakes/databricks/helpers.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

describe('openDatabricksWorkspace', () => {
  const startFake = useFakeDatabricks();
  const tempDir = useTempDirs();

  it('takes host and token from a ~/.databrickscfg profile', async () => {
    const fake = await startFake();
    const home = await tempDir();
    await writeFile(join(home, '.databrickscfg'), `[hp-mlops]\nhost = ${fake.url}\ntoken = ${fake.token}\nwarehouse_id = ${fake.warehouseId}\n`);
    const ws = await openDatabricksWorkspace({ profile: 'hp-mlops' }, { env: {}, homeDir: home });
    expect(ws).toMatchObject({ kind: 'databricks', host: fake.url, authType: 'pat', warehouseId: fake.warehouseId });
    expect(ws.tracking.uri).toBe('databricks://hp-mlops');
    await ws.volumes.write('/Volumes/a/b/c/x.txt', 'x');
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${fake.token}`);
  });

  it('authenticates with OAuth M2M from DATABRICKS_CLIENT_ID / _SECRET', async () => {
    const fake = await startFake({ oauthClient: { clientId: 'sp-1', clientSecret: 'sp-secret-xyz' } });
    const ws = await openDatabricksWorkspace({ host: fake.url }, { env: { DATABRICKS_CLIENT_ID: 'sp-1', DATABRICKS_CLIENT_SECRET: 'sp-secret-xyz' }, homeDir: await tempDir() });
    expect(ws.authType).toBe('oauth-m2m');
    await ws.volumes.write('/Volumes/a/b/c/x.txt', 'x');
    await ws.volumes.read('/Volumes/a/b/c/x.txt');
    expect(fake.oauthTokensIssued).toBe(1);
  });

  it('sends databricks://<profile> tracking to that profile’s workspace', async () => {
    const main = await startFake();
    const other = await startFake();
    const home = await tempDir();
    await writeFile(join(home, '.databrickscfg'), `[tracking]\nhost = ${other.url}\ntoken = ${other.token}\n`);
    const ws = await openDatabricksWorkspace({ host: main.url, trackingUri: 'databricks://tracking' }, { env: { DATABRICKS_TOKEN: main.token }, homeDir: home });
    await ws.tracking.createExperiment('/Shared/elsewhere');
    expect(other.mlflow.experiments.size).toBe(1);
    expect(main.mlflow.experiments.size).toBe(0);
  });

  it('explains a missing warehouse when tables are used', async () => {
    const fake = await startFake();
    const ws = await openDatabricksWorkspace({ host: fake.url }, { env: { DATABRICKS_TOKEN: fake.token }, homeDir: await tempDir() });
    expect(ws.warehouseId).toBeUndefined();
    await expect(ws.tables.drop('a.b.c')).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/needs a SQL warehouse: set workspace\.warehouse_id/) });
  });

  it('never shows the token: not in errors, not when the workspace is printed', async () => {
    const fake = await startFake();
    const ws = await openDatabricksWorkspace({ host: fake.url, warehouseId: 'nope' }, { env: { DATABRICKS_TOKEN: fake.token }, homeDir: await tempDir() });
    const errors = (await Promise.all([
      ws.tables.drop('a.b.c').catch((e: unknown) => e),
      ws.registry.getRegisteredModel('a.b.c').catch((e: unknown) => e),
      ws.tracking.getExperiment('1').catch((e: unknown) => e),
    ])) as Error[];
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(`${error.message} ${JSON.stringify(error)} ${inspect(error)}`).not.toContain(fake.token);
    }
    expect(inspect(ws, { depth: 6 })).not.toContain(fake.token);
    expect(JSON.stringify(Object.keys(ws))).not.toContain(fake.token);
  });

  it('is what openWorkspace returns for a target with a Databricks host (prod), while dev stays local', async () => {
    const fake = await startFake();
    const dir = await tempDir();
    // The project's own mlops.yml, with prod pointed at the fake workspace.
    const yml = (await readFile(new URL('../../../mlops.yml', import.meta.url), 'utf8'))
      .replace(/host: https:\/\/adb-[^\s]+/, `host: ${fake.url}`)
      .replace(/\n\s*profile: hp-mlops/, '')
      .replace(/warehouse_id: "[^"]*"/, `warehouse_id: "${fake.warehouseId}"`);
    await writeFile(join(dir, 'mlops.yml'), yml);
    const env = { DATABRICKS_TOKEN: fake.token, HOME: dir };
    const prod = await openWorkspace(await loadConfig({ cwd: dir, target: 'prod', env }), { env });
    expect(prod.kind).toBe('databricks');
    expect(prod.location).toBe(fake.url);
    expect(asDatabricksWorkspace(prod)?.warehouseId).toBe(fake.warehouseId);
    expect(prod.tracking.uri).toBe('databricks');
    const dev = await openWorkspace(await loadConfig({ cwd: dir, env }), { env });
    expect(dev.kind).toBe('local');
    expect(asDatabricksWorkspace(dev)).toBeUndefined();
  });
});
