import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDatabricksConfig, type DatabricksConfigInput } from '../../../../src/workspace/databricks/auth-config.js';
import { FakeDatabricks } from '../../../fakes/databricks/server.js';
import { runPythonJson } from '../../helpers/python.js';

// Databricks auth resolution agrees with the SDK: for each case, databricks-sdk's Config (mlflow3 env)
// and our resolver see the same explicit values, environment and ~/.databrickscfg, and give the same
// host and auth type, or both refuse. OAuth M2M hosts are the fake workspace, whose host metadata and
// OIDC discovery the SDK reads while it configures; its host-metadata probe of other hosts fails at once
// (there is no network here; the probe is best-effort in the SDK).

interface Case {
  name: string;
  explicit?: DatabricksConfigInput;
  env?: Record<string, string>;
  /** ~/.databrickscfg text; absent means no file. */
  file?: string;
  /** Another config file (for DATABRICKS_CONFIG_FILE), written at <home>/custom.cfg. */
  customFile?: string;
}

interface Outcome {
  host?: string;
  authType?: string;
  error?: string;
}

const SDK = String.raw`
import json, os, sys, logging
logging.disable(logging.CRITICAL)
import databricks.sdk.config as sdk_config
from databricks.sdk.core import Config
real_metadata = sdk_config.get_host_metadata
def local_metadata(host, *args, **kwargs):
    # Only the fake workspace (127.0.0.1) is reachable: other hosts would wait on DNS and retries.
    if not host.startswith("http://127.0.0.1:"):
        raise RuntimeError("no network for " + host)
    return real_metadata(host, *args, **kwargs)
sdk_config.get_host_metadata = local_metadata
cases = json.load(sys.stdin)
names = {"host": "host", "token": "token", "clientId": "client_id", "clientSecret": "client_secret", "authType": "auth_type", "profile": "profile", "configFile": "config_file"}
out = []
base_env = {k: v for k, v in os.environ.items() if not (k.startswith("DATABRICKS_") or k.startswith("ARM_"))}
for case in cases:
    os.environ.clear()
    os.environ.update(base_env)
    os.environ.update(case["env"])
    os.environ["HOME"] = case["home"]
    try:
        cfg = Config(**{names[k]: v for k, v in case["explicit"].items()})
        out.append({"host": cfg.host, "authType": cfg.auth_type})
    except Exception as error:
        out.append({"error": str(error)})
print(json.dumps(out))
`;

describe('Databricks auth resolution: ours and databricks-sdk agree', () => {
  let fake: FakeDatabricks;
  let dir: string;
  let cases: Case[];
  let sdk: Outcome[];
  let ours: Outcome[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mlops-auth-'));
    fake = await FakeDatabricks.start({ dataDir: path.join(dir, 'fake'), oauthClient: { clientId: 'sp-id', clientSecret: 'sp-secret' } });
    const pat = 'https://adb-1234567890123456.7.azuredatabricks.net';
    const profiles = [
      '[DEFAULT]',
      `host = ${pat}`,
      'token = dapi-default',
      '[hp-mlops]',
      'host = https://adb-2222.2.azuredatabricks.net',
      'token = dapi-hp',
      '[sp]',
      `host = ${fake.url}`,
      'client_id = sp-id',
      'client_secret = sp-secret',
      '[half-sp]',
      `host = ${fake.url}`,
      'client_id = sp-id',
    ].join('\n');
    // Tenant given: without one the SDK would ask the workspace's /aad/auth (no network here).
    const azure = { ARM_CLIENT_ID: 'arm-id', ARM_CLIENT_SECRET: 'arm-secret', ARM_TENANT_ID: 'tenant-1' };
    const azureProfile = ['[azure-sp]', `host = ${pat}`, 'azure_client_id = arm-id', 'azure_client_secret = arm-secret', 'azure_tenant_id = tenant-1'].join('\n');
    const namedOnly = ['[hp-mlops]', 'host = https://adb-2222.2.azuredatabricks.net', 'token = dapi-hp'].join('\n');
    cases = [
      { name: 'env only: host and token', env: { DATABRICKS_HOST: pat, DATABRICKS_TOKEN: 'dapi-env' } },
      { name: 'env only: host and client credentials (M2M)', env: { DATABRICKS_HOST: fake.url, DATABRICKS_CLIENT_ID: 'sp-id', DATABRICKS_CLIENT_SECRET: 'sp-secret' } },
      { name: 'profile only: DEFAULT', file: profiles },
      { name: 'explicit profile', explicit: { profile: 'hp-mlops' }, file: profiles },
      { name: 'DATABRICKS_CONFIG_PROFILE', env: { DATABRICKS_CONFIG_PROFILE: 'hp-mlops' }, file: profiles },
      { name: 'explicit profile beats DATABRICKS_CONFIG_PROFILE', explicit: { profile: 'sp' }, env: { DATABRICKS_CONFIG_PROFILE: 'hp-mlops' }, file: profiles },
      { name: 'DATABRICKS_CONFIG_FILE', env: { DATABRICKS_CONFIG_FILE: 'CUSTOM' }, customFile: namedOnly.replace('[hp-mlops]', '[DEFAULT]') },
      { name: 'profile with client credentials (M2M)', explicit: { profile: 'sp' }, file: profiles },
      { name: 'both env and DEFAULT profile: the env host and token win, the file is not read', env: { DATABRICKS_HOST: 'https://adb-9.9.azuredatabricks.net', DATABRICKS_TOKEN: 'dapi-env' }, file: profiles },
      { name: 'env host only + DEFAULT profile with a token: the file is not read, so no credentials', env: { DATABRICKS_HOST: 'https://adb-9.9.azuredatabricks.net' }, file: profiles },
      { name: 'env token + requested profile: host from the profile, token from env', env: { DATABRICKS_TOKEN: 'dapi-env', DATABRICKS_CONFIG_PROFILE: 'hp-mlops' }, file: profiles },
      { name: 'conflicting: token and client credentials in env', env: { DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: 'dapi-env', DATABRICKS_CLIENT_ID: 'sp-id', DATABRICKS_CLIENT_SECRET: 'sp-secret' } },
      { name: 'conflicting, settled by DATABRICKS_AUTH_TYPE=pat', env: { DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: 'dapi-env', DATABRICKS_CLIENT_ID: 'sp-id', DATABRICKS_CLIENT_SECRET: 'sp-secret', DATABRICKS_AUTH_TYPE: 'pat' } },
      { name: 'conflicting, settled by DATABRICKS_AUTH_TYPE=oauth-m2m', env: { DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: 'dapi-env', DATABRICKS_CLIENT_ID: 'sp-id', DATABRICKS_CLIENT_SECRET: 'sp-secret', DATABRICKS_AUTH_TYPE: 'oauth-m2m' } },
      { name: 'conflicting: profile M2M + env token', explicit: { profile: 'sp' }, env: { DATABRICKS_TOKEN: 'dapi-env' }, file: profiles },
      { name: 'missing host: token only', env: { DATABRICKS_TOKEN: 'dapi-env' } },
      { name: 'missing host: no file, nothing set' },
      { name: 'host without scheme', env: { DATABRICKS_HOST: 'adb-1234567890123456.7.azuredatabricks.net', DATABRICKS_TOKEN: 'dapi-env' } },
      { name: 'host with :443 and a trailing slash', env: { DATABRICKS_HOST: 'https://adb-1.1.azuredatabricks.net:443/', DATABRICKS_TOKEN: 'dapi-env' } },
      { name: 'requested profile not in the file', explicit: { profile: 'nope' }, file: profiles },
      { name: 'DATABRICKS_CONFIG_PROFILE not in the file', env: { DATABRICKS_CONFIG_PROFILE: 'nope' }, file: profiles },
      { name: 'pinned profile, no config file, host+token in env (issue 19)', explicit: { host: pat, profile: 'hp-mlops' }, env: { DATABRICKS_HOST: pat, DATABRICKS_TOKEN: 'dapi-env' } },
      { name: 'pinned profile, no config file, nothing in env', explicit: { host: pat, profile: 'hp-mlops' } },
      { name: 'explicit host beats DATABRICKS_HOST', explicit: { host: 'https://adb-5.5.azuredatabricks.net' }, env: { DATABRICKS_HOST: pat, DATABRICKS_TOKEN: 'dapi-env' } },
      { name: 'M2M with a client id only', explicit: { profile: 'half-sp' }, file: profiles },
      { name: 'DATABRICKS_AUTH_TYPE=oauth-m2m with only a token', env: { DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: 'dapi-env', DATABRICKS_AUTH_TYPE: 'oauth-m2m' } },
      { name: 'no DEFAULT section and no profile requested', file: namedOnly },
      { name: '[__settings__] default_profile', file: `[__settings__]\ndefault_profile = hp-mlops\n${profiles}` },
      { name: 'azure-client-secret: ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID on an Azure host', env: { DATABRICKS_HOST: pat, ...azure } },
      { name: 'azure-client-secret from a profile (azure_client_id, azure_client_secret, azure_tenant_id)', explicit: { profile: 'azure-sp' }, file: `${profiles}\n${azureProfile}` },
      { name: 'azure-client-secret on a non-Azure host', env: { DATABRICKS_HOST: 'https://dbc-1.cloud.databricks.com', ...azure } },
      { name: 'conflicting: Azure service principal and a token', env: { DATABRICKS_HOST: pat, DATABRICKS_TOKEN: 'dapi-env', ...azure } },
      { name: 'conflicting: Azure service principal and M2M client credentials', env: { DATABRICKS_HOST: pat, DATABRICKS_CLIENT_ID: 'sp-id', DATABRICKS_CLIENT_SECRET: 'sp-secret', ...azure } },
      { name: 'Azure and a token, settled by DATABRICKS_AUTH_TYPE=azure-client-secret', env: { DATABRICKS_HOST: pat, DATABRICKS_TOKEN: 'dapi-env', DATABRICKS_AUTH_TYPE: 'azure-client-secret', ...azure } },
      { name: 'ARM_CLIENT_ID without a secret', env: { DATABRICKS_HOST: pat, ARM_CLIENT_ID: 'arm-id', ARM_TENANT_ID: 'tenant-1' } },
      { name: 'DATABRICKS_AUTH_TYPE=azure-client-secret with only a token', env: { DATABRICKS_HOST: pat, DATABRICKS_TOKEN: 'dapi-env', DATABRICKS_AUTH_TYPE: 'azure-client-secret' } },
    ];
    const prepared = await Promise.all(
      cases.map(async (c, index) => {
        const home = path.join(dir, `home-${index}`);
        await mkdir(home, { recursive: true });
        if (c.file !== undefined) await writeFile(path.join(home, '.databrickscfg'), c.file);
        if (c.customFile !== undefined) await writeFile(path.join(home, 'custom.cfg'), c.customFile);
        const env = Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, v === 'CUSTOM' ? path.join(home, 'custom.cfg') : v]));
        return { home, env, explicit: c.explicit ?? {} };
      }),
    );
    sdk = await runPythonJson<Outcome[]>('mlflow3', SDK, { input: JSON.stringify(prepared) });
    ours = await Promise.all(
      prepared.map(async (p) => {
        try {
          const config = await loadDatabricksConfig(p.explicit, { env: { ...p.env, HOME: p.home }, homeDir: p.home });
          return { host: config.host, authType: config.authType };
        } catch (error) {
          return { error: (error as Error).message };
        }
      }),
    );
  });

  afterAll(async () => {
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('covers at least 15 cases, with answers and refusals on both sides, azure-client-secret among them', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    expect(sdk.filter((o) => o.authType === 'azure-client-secret').length).toBeGreaterThanOrEqual(3);
    expect(sdk.filter((o) => o.error === undefined).length).toBeGreaterThanOrEqual(10);
    expect(sdk.filter((o) => o.error !== undefined).length).toBeGreaterThanOrEqual(5);
  });

  it('gives the same host and auth type, or both refuse, in every case', () => {
    const table = cases.map((c, i) => {
      const s = sdk[i]!;
      const o = ours[i]!;
      const same = s.error !== undefined ? o.error !== undefined : o.error === undefined && o.host === s.host && o.authType === s.authType;
      return { case: c.name, sdk: s.error !== undefined ? `refuses: ${s.error.slice(0, 160)}` : `${s.host} ${s.authType}`, ours: o.error !== undefined ? `refuses: ${o.error.slice(0, 160)}` : `${o.host} ${o.authType}`, same };
    });
    expect(table.filter((row) => !row.same)).toEqual([]);
  });
});
