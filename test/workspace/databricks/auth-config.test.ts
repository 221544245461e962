import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConfig, loadDatabricksConfig, normalizeHost, resolveDatabricksConfig } from '../../../src/workspace/databricks/auth-config.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const FILE = [
  '[DEFAULT]',
  'host = https://default.azuredatabricks.net',
  'token = dapi-default-token',
  '[hp-mlops]',
  'host = https://adb-1234.7.azuredatabricks.net',
  'token = dapi-profile-token',
  'warehouse_id = abcdef0123456789',
  '[sp]',
  'host = https://adb-9.azuredatabricks.net',
  'client_id = 11111111-2222',
  'client_secret = dose-secret-value',
].join('\n');

function resolve(explicit: Record<string, string>, env: Record<string, string> = {}, text: string | null = FILE) {
  return resolveDatabricksConfig({ explicit, env, configFile: '/home/u/.databrickscfg', configFileText: text ?? undefined });
}

describe('resolveDatabricksConfig', () => {
  it('takes explicit values over DATABRICKS_* env over the profile, attribute by attribute', () => {
    const config = resolve({ host: 'https://explicit.net', profile: 'hp-mlops' }, { DATABRICKS_HOST: 'https://env.net', DATABRICKS_TOKEN: 'dapi-env-token' });
    expect(config.host).toBe('https://explicit.net');
    expect(config.token).toBe('dapi-env-token');
    expect(config.warehouseId).toBe('abcdef0123456789');
    expect(config.sources).toMatchObject({ host: 'explicit', token: 'env DATABRICKS_TOKEN', warehouseId: 'profile [hp-mlops] in /home/u/.databrickscfg' });
  });

  it('uses DATABRICKS_CONFIG_PROFILE when no profile is explicit, else DEFAULT', () => {
    expect(resolve({}, { DATABRICKS_CONFIG_PROFILE: 'hp-mlops' }).host).toBe('https://adb-1234.7.azuredatabricks.net');
    expect(resolve({}).host).toBe('https://default.azuredatabricks.net');
    expect(resolve({ profile: 'sp' }, { DATABRICKS_CONFIG_PROFILE: 'hp-mlops' }).host).toBe('https://adb-9.azuredatabricks.net');
  });

  it('picks pat for a token and oauth-m2m for client credentials', () => {
    expect(resolve({ profile: 'hp-mlops' }).authType).toBe('pat');
    const sp = resolve({ profile: 'sp' });
    expect(sp.authType).toBe('oauth-m2m');
    expect(sp.clientId).toBe('11111111-2222');
    expect(sp.token).toBeUndefined();
  });

  it('refuses two auth methods at once without printing either secret', () => {
    expect(() => resolve({ profile: 'sp' }, { DATABRICKS_TOKEN: 'dapi-env-secret-token' })).toThrowError(/more than one Databricks authorization method configured: oauth and pat/i);
    try {
      resolve({ profile: 'sp' }, { DATABRICKS_TOKEN: 'dapi-env-secret-token' });
    } catch (error) {
      expect((error as Error).message).not.toContain('dapi-env-secret-token');
      expect((error as Error).message).not.toContain('dose-secret-value');
    }
    expect(resolve({ profile: 'sp', authType: 'oauth-m2m' }, { DATABRICKS_TOKEN: 'dapi-env-secret-token' }).authType).toBe('oauth-m2m');
  });

  it('names what to set when the host or the credentials are missing', () => {
    expect(() => resolve({}, {}, null)).toThrowError(/No Databricks host configured: .*DATABRICKS_HOST/);
    expect(() => resolve({ host: 'https://h.net' }, {}, null)).toThrowError(/No Databricks credentials for https:\/\/h\.net: set DATABRICKS_TOKEN/);
    expect(() => resolve({ host: 'https://h.net' }, { DATABRICKS_CLIENT_ID: 'id' }, null)).toThrowError(/missing DATABRICKS_CLIENT_SECRET/);
  });

  it('fails on an explicit profile that is not in the file, listing the profiles', () => {
    expect(() => resolve({ profile: 'nope' })).toThrowError(/profile \[nope\] \(explicit\) is not in \/home\/u\/\.databrickscfg; it has \[DEFAULT\], \[hp-mlops\], \[sp\]/);
    expect(() => resolve({ profile: 'nope' }, {}, null)).toThrowError(/does not exist/);
  });

  it('does not read the file when a host or credentials come from the environment and no profile is requested (as databricks-sdk)', () => {
    expect(() => resolve({}, { DATABRICKS_HOST: 'https://env.net' })).toThrowError(/No Databricks credentials for https:\/\/env\.net/);
    expect(resolve({}, { DATABRICKS_HOST: 'https://env.net', DATABRICKS_TOKEN: 'dapi-env' }).sources.warehouseId).toBeUndefined();
  });

  it('skips a missing config file even for a pinned profile, so DATABRICKS_HOST/_TOKEN still work (issue 19)', () => {
    const config = resolve({ host: 'https://adb-1.azuredatabricks.net', profile: 'hp-mlops' }, { DATABRICKS_TOKEN: 'dapi-env' }, null);
    expect(config).toMatchObject({ host: 'https://adb-1.azuredatabricks.net', authType: 'pat' });
    expect(config.profile).toBeUndefined();
  });

  it('says the pinned profile beats the environment when the file lacks it', () => {
    try {
      resolve({ profile: 'nope' }, { DATABRICKS_HOST: 'https://env.net', DATABRICKS_TOKEN: 'dapi-env' });
      expect.unreachable();
    } catch (error) {
      expect((error as { details?: { hint?: string } }).details?.hint).toMatch(/the target pins profile nope .*remove profile: from the target/);
    }
  });

  it('uses [__settings__] default_profile when no profile is requested', () => {
    const text = `[__settings__]\ndefault_profile = sp\n${FILE}`;
    expect(resolve({}, {}, text)).toMatchObject({ host: 'https://adb-9.azuredatabricks.net', authType: 'oauth-m2m', profile: 'sp' });
    expect(() => resolve({ profile: '__settings__' }, {}, text)).toThrowError(/reserved section name/);
  });

  it('accepts http://127.0.0.1:<port> for test servers and adds https:// to bare hosts', () => {
    expect(resolve({}, { DATABRICKS_HOST: 'http://127.0.0.1:5000/', DATABRICKS_TOKEN: 't0k3n' }, null).host).toBe('http://127.0.0.1:5000');
    expect(normalizeHost('adb-1.azuredatabricks.net', 'x')).toBe('https://adb-1.azuredatabricks.net');
    expect(() => normalizeHost('ftp://x', 'x')).toThrowError(/must use https/);
  });

  it('describes a configuration with its secrets masked', () => {
    const text = describeConfig(resolve({ profile: 'sp' }));
    expect(text).toContain('client_secret=***');
    expect(text).not.toContain('dose-secret-value');
  });
});

describe('loadDatabricksConfig', () => {
  const tempDir = useTempDirs();

  it('reads ~/.databrickscfg from HOME, or DATABRICKS_CONFIG_FILE', async () => {
    const home = await tempDir();
    await writeFile(join(home, '.databrickscfg'), FILE);
    expect((await loadDatabricksConfig({ profile: 'hp-mlops' }, { env: { HOME: home } })).token).toBe('dapi-profile-token');
    const other = join(home, 'other.cfg');
    await writeFile(other, '[DEFAULT]\nhost = https://other.net\ntoken = t-other');
    expect((await loadDatabricksConfig({}, { env: { HOME: home, DATABRICKS_CONFIG_FILE: other } })).host).toBe('https://other.net');
  });

  it('treats a missing file as empty', async () => {
    const home = await tempDir();
    const config = await loadDatabricksConfig({}, { env: { HOME: home, DATABRICKS_HOST: 'https://h.net', DATABRICKS_TOKEN: 'tok-1' } });
    expect(config.configFile).toBe(join(home, '.databrickscfg'));
    expect(config.profile).toBeUndefined();
  });
});
