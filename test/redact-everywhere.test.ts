import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerSASPermissions } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { startTrackingServer } from '../src/tracking/server/server.js';
import { useFakeDatabricks } from './fakes/databricks/helpers.js';
import { AZURITE_KEY, uploadLanding, useAzurite } from './helpers/azurite.js';
import { useTempDirs } from './helpers/temp-dir.js';

/**
 * Issue 17: secrets planted in every credential source — a connection string, a SAS token in the
 * source URL, an account key, MLflow basic auth in the tracking URI, a Databricks token, an OAuth
 * client secret — never appear in anything a job leaves behind: stdout, stderr, the workspace
 * (logs, reports, ingest ledger, Parquet), the MLflow store (params, tags, artifacts) — for jobs
 * that succeed and jobs that fail.
 */

const repo = new URL('../', import.meta.url);

/** The forms a leaked secret could take in text or bytes. */
function forms(secret: string): string[] {
  const all = new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]);
  try {
    all.add(decodeURIComponent(secret));
  } catch {
    // not encoded
  }
  return [...all];
}

async function filesBelow(dir: string): Promise<{ name: string; text: string }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return Promise.all(entries.filter((e) => e.isFile()).map(async (e) => ({ name: join(e.parentPath, e.name), text: (await readFile(join(e.parentPath, e.name))).toString('latin1') })));
}

/** Every place a secret was found, as `<secret name> in <where>`. */
function leaks(secrets: Record<string, string>, places: { name: string; text: string }[]): string[] {
  const found: string[] = [];
  for (const [label, secret] of Object.entries(secrets)) {
    for (const form of forms(secret)) for (const place of places) if (place.text.includes(form)) found.push(`${label} in ${place.name}`);
  }
  return found;
}

async function cli(args: string[], cwd: string, env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd });
  return { code, stdout, stderr };
}

async function project(dir: string, transform: (yml: string) => string = (yml) => yml): Promise<void> {
  await writeFile(join(dir, 'mlops.yml'), transform(await readFile(new URL('mlops.yml', repo), 'utf8')));
  await cp(new URL('data/landing', repo), join(dir, 'data', 'landing'), { recursive: true });
}

describe('no secret anywhere: local workspace, ADLS source, MLflow server with basic auth', () => {
  const azurite = useAzurite();
  const tempDir = useTempDirs();

  it('keeps SAS tokens, connection strings, account keys and the tracking password out of every output', async () => {
    const dir = await tempDir();
    await project(dir);
    const serverDir = await tempDir();
    const server = await startTrackingServer({ root: join(serverDir, 'mlruns') });
    try {
      const container = `sec${Date.now()}`;
      const abfss = await uploadLanding(azurite(), container, join(dir, 'data', 'landing'));
      const sasUrl = await azurite().service.getContainerClient(container).generateSasUrl({ permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + 3_600_000) });
      const sas = sasUrl.slice(sasUrl.indexOf('?') + 1);
      const signature = new URLSearchParams(sas).get('sig')!;
      const badSignature = 'QkFEc2lnbmF0dXJlQkFEc2lnbmF0dXJlQkFEc2ln';
      const password = 'pa55-w0rd/with+chars';
      const tracking = server.url.replace('http://', `http://ana:${encodeURIComponent(password)}@`);
      const secrets = { signature, sas, badSignature, password, basic: Buffer.from(`ana:${password}`).toString('base64'), accountKey: AZURITE_KEY, connectionString: azurite().connectionString };
      const blobFolder = `${azurite().blobEndpoint}/${container}/landing`;
      const env = { MLFLOW_TRACKING_URI: tracking };
      const outputs: { name: string; text: string }[] = [];
      const run = async (label: string, args: string[], extraEnv: Record<string, string> = {}, expected: 'ok' | 'fail' = 'ok') => {
        const result = await cli(args, dir, { ...env, ...extraEnv });
        outputs.push({ name: `stdout of ${label}`, text: result.stdout }, { name: `stderr of ${label}`, text: result.stderr });
        if (expected === 'ok') expect(result.code, `${label}: ${result.stderr}`).toBe(0);
        else expect(result.code, `${label}: ${result.stderr}`).not.toBe(0);
        return result;
      };

      // Successful: the whole pipeline from a SAS URL; ingestion again with a connection string and with an account key.
      await run('pipeline_job with a SAS URL', ['run', 'pipeline_job', '-o', 'json', '--json', JSON.stringify({ source_path: `${blobFolder}?${sas}`, epochs: '20' })]);
      await run('data_ingestion_job with a connection string', ['run', 'data_ingestion_job', '--json', JSON.stringify({ source_path: abfss })], { AZURE_STORAGE_CONNECTION_STRING: azurite().connectionString });
      await run('data_ingestion_job with an account key', ['run', 'data_ingestion_job', '-o', 'json', '--json', JSON.stringify({ source_path: blobFolder })], { AZURE_STORAGE_KEY: AZURITE_KEY });
      await run('batch_inference_job', ['run', 'batch_inference_job', '-o', 'json']);
      // Failing: a SAS with a wrong signature, a wrong account key, a tracking server that is down, a failing stage.
      const badSas = sas.replace(`sig=${encodeURIComponent(signature)}`, `sig=${badSignature}`);
      expect(badSas).toContain(badSignature);
      const refused = await run('data_ingestion_job with a bad SAS', ['run', 'data_ingestion_job', '--json', JSON.stringify({ source_path: `${blobFolder}?${badSas}` })], {}, 'fail');
      expect(refused.stderr).toMatch(/403|AuthenticationFailed|not authorized|denied/i);
      await run('data_ingestion_job with a wrong key', ['run', 'data_ingestion_job', '--json', JSON.stringify({ source_path: blobFolder })], { AZURE_STORAGE_KEY: Buffer.from('wrong-key-wrong-key').toString('base64') }, 'fail');
      await run('model_training_job without data', ['run', 'model_training_job', '--json', JSON.stringify({ data_path: '/Volumes/c/s/v/nothing' })], {}, 'fail');
      const down = await run('a job with the tracking server down', ['run', 'model_training_job'], { MLFLOW_TRACKING_URI: `http://ana:${encodeURIComponent(password)}@127.0.0.1:9/` }, 'fail');
      expect(down.stderr).toMatch(/http:\/\/127\.0\.0\.1:9\/.*(ECONNREFUSED|could not|failed)/);
      await run('runs list', ['runs', 'list']);
      await run('config show', ['config', 'show']);

      const everything = [...outputs, ...(await filesBelow(dir)), ...(await filesBelow(serverDir))];
      // The scan covers what it should: reports, the ledger, Parquet and the server's params and artifacts.
      const names = everything.map((place) => place.name);
      expect(names.some((name) => name.endsWith('.html') && name.includes('mlartifacts'))).toBe(true);
      expect(names.some((name) => name.includes('checkpoints'))).toBe(true);
      expect(names.some((name) => name.endsWith('.parquet'))).toBe(true);
      expect(names.some((name) => name.includes(`${join('params', 'source_path')}`))).toBe(true);
      expect(everything.some((place) => place.text.includes(`${azurite().blobEndpoint}/${container}/landing?***`))).toBe(true);
      expect(leaks(secrets, everything)).toEqual([]);
    } finally {
      await server.close();
    }
  }, 300_000);
});

describe('no secret anywhere: Databricks workspace with a token or an OAuth client secret', () => {
  const startFake = useFakeDatabricks();
  const tempDir = useTempDirs();

  it('keeps the token and the client secret out of every output and out of what the workspace stored', async () => {
    const oauthClient = { clientId: 'sp-client-id', clientSecret: 'dose0123456789abcdef-client-secret' };
    const fake = await startFake({ oauthClient });
    fake.uc.storageMode = 'DEFAULT_STORAGE';
    const dir = await tempDir();
    await project(dir, (yml) =>
      yml
        .replace(/host: https:\/\/adb-[^\s]+/, `host: ${fake.url}`)
        .replace(/\n\s*profile: hp-mlops/, '')
        .replace(/warehouse_id: "[^"]*"/, `warehouse_id: "${fake.warehouseId}"`),
    );
    const secrets = { token: fake.token, clientSecret: oauthClient.clientSecret };
    const outputs: { name: string; text: string }[] = [];
    const run = async (label: string, args: string[], env: Record<string, string>, expected: 'ok' | 'fail') => {
      const result = await cli(args, dir, { HOME: dir, ...env });
      outputs.push({ name: `stdout of ${label}`, text: result.stdout }, { name: `stderr of ${label}`, text: result.stderr });
      if (expected === 'ok') expect(result.code, `${label}: ${result.stderr}`).toBe(0);
      else expect(result.code, `${label}: ${result.stderr}`).not.toBe(0);
    };
    await run('pipeline_job with a token', ['run', 'pipeline_job', '--target', 'prod', '-o', 'json', '--json', '{"epochs":"20"}'], { DATABRICKS_TOKEN: fake.token }, 'ok');
    await run('batch_inference_job with OAuth', ['run', 'batch_inference_job', '--target', 'prod', '-o', 'json'], { DATABRICKS_CLIENT_ID: oauthClient.clientId, DATABRICKS_CLIENT_SECRET: oauthClient.clientSecret }, 'ok');
    await run('model_training_job with OAuth, failing', ['run', 'model_training_job', '--target', 'prod', '--json', '{"data_path":"/Volumes/c/s/v/none"}'], { DATABRICKS_CLIENT_ID: oauthClient.clientId, DATABRICKS_CLIENT_SECRET: oauthClient.clientSecret }, 'fail');
    await run('a wrong client secret', ['run', 'batch_inference_job', '--target', 'prod'], { DATABRICKS_CLIENT_ID: oauthClient.clientId, DATABRICKS_CLIENT_SECRET: `${oauthClient.clientSecret}-wrong` }, 'fail');
    await run('a wrong token', ['run', 'batch_inference_job', '--target', 'prod'], { DATABRICKS_TOKEN: `${fake.token}0` }, 'fail');
    await run('bundle validate', ['bundle', 'validate', '--target', 'prod'], { DATABRICKS_TOKEN: fake.token }, 'ok');

    // What the workspace keeps: volume files, MLflow params, tags and artifacts as the fake stored them.
    const stored = [
      ...(await filesBelow(fake.files.root)),
      ...(await filesBelow(dir)),
      ...[...fake.mlflow.runs.values()].map((entry) => ({ name: `MLflow run ${entry.run.info.runId}`, text: JSON.stringify(entry.run) })),
      ...fake.requests.filter((r) => r.method !== 'GET').map((r) => ({ name: `${r.method} ${r.path} body`, text: Buffer.from(r.body).toString('latin1') })).filter((r) => !r.name.includes('/oidc/')),
    ];
    expect(stored.some((place) => place.name.endsWith('.html'))).toBe(true);
    expect(leaks(secrets, [...outputs, ...stored])).toEqual([]);
  }, 300_000);
});
