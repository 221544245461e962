import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { MlopsError } from '../../errors.js';
import { parseConfigFile, type ConfigProfile } from './config-file.js';
import { redactSecrets } from '../../redact.js';

export type AuthType = 'pat' | 'oauth-m2m';
export const AUTH_TYPES: readonly AuthType[] = ['pat', 'oauth-m2m'];

/** What a caller may set explicitly; every field is optional and beats the environment and the file. */
export interface DatabricksConfigInput {
  host?: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  authType?: string;
  profile?: string;
  configFile?: string;
  warehouseId?: string;
}

type Attribute = keyof DatabricksConfigInput;

/** The configuration after resolution: where each value came from is kept for messages. */
export interface ResolvedDatabricksConfig {
  /** https://host (or http://127.0.0.1:port for tests), no trailing slash. */
  host: string;
  authType: AuthType;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  warehouseId?: string;
  /** The ~/.databrickscfg profile that contributed values, if any. */
  profile?: string;
  configFile: string;
  /** attribute → "explicit" | "env DATABRICKS_HOST" | "profile [name] in <file>" */
  sources: Partial<Record<Attribute, string>>;
}

/** Environment variables the Databricks SDKs read, attribute by attribute. */
export const ENV_NAMES: Record<Attribute, string> = {
  host: 'DATABRICKS_HOST',
  token: 'DATABRICKS_TOKEN',
  clientId: 'DATABRICKS_CLIENT_ID',
  clientSecret: 'DATABRICKS_CLIENT_SECRET',
  authType: 'DATABRICKS_AUTH_TYPE',
  profile: 'DATABRICKS_CONFIG_PROFILE',
  configFile: 'DATABRICKS_CONFIG_FILE',
  warehouseId: 'DATABRICKS_WAREHOUSE_ID',
};

const PROFILE_KEYS: Partial<Record<Attribute, string>> = {
  host: 'host',
  token: 'token',
  clientId: 'client_id',
  clientSecret: 'client_secret',
  authType: 'auth_type',
  warehouseId: 'warehouse_id',
};

const SECRET_ATTRIBUTES: readonly Attribute[] = ['token', 'clientSecret'];

export interface ResolveInputs {
  explicit: DatabricksConfigInput;
  env: Record<string, string | undefined>;
  /** Path of the config file that was looked at. */
  configFile: string;
  /** Its text, or undefined when there is no such file. */
  configFileText: string | undefined;
}

/**
 * Resolves host and credentials the way the Databricks SDKs do: explicit values first, then
 * DATABRICKS_* environment variables, then the chosen ~/.databrickscfg profile, attribute by
 * attribute. The profile is the explicit one, else DATABRICKS_CONFIG_PROFILE, else DEFAULT (which
 * may be absent). Pure: the caller reads the file.
 */
export function resolveDatabricksConfig(inputs: ResolveInputs): ResolvedDatabricksConfig {
  const values: DatabricksConfigInput = {};
  const sources: Partial<Record<Attribute, string>> = {};
  const set = (attribute: Attribute, value: string | undefined, source: string): void => {
    if (values[attribute] !== undefined || value === undefined || value.trim() === '') return;
    values[attribute] = value.trim();
    sources[attribute] = source;
  };
  for (const [attribute, value] of Object.entries(inputs.explicit) as [Attribute, string | undefined][]) set(attribute, value, 'explicit');
  for (const attribute of Object.keys(ENV_NAMES) as Attribute[]) {
    set(attribute, inputs.env[ENV_NAMES[attribute]], `env ${ENV_NAMES[attribute]}`);
  }

  const displayFile = inputs.configFile;
  const explicitProfile = values.profile;
  const profileName = explicitProfile ?? 'DEFAULT';
  let profile: ConfigProfile | undefined;
  if (inputs.configFileText !== undefined) {
    const profiles = parseConfigFile(inputs.configFileText, displayFile);
    profile = profiles.get(profileName);
    if (profile === undefined && explicitProfile !== undefined) {
      const known = [...profiles.keys()];
      throw new MlopsError(
        'CONFIG_INVALID',
        `Databricks profile [${profileName}] (${sources.profile}) is not in ${displayFile}; it has ${known.length > 0 ? known.map((name) => `[${name}]`).join(', ') : 'no profiles'}`,
        { details: { profile: profileName, file: displayFile, hint: `add a [${profileName}] section with host and token, or run \`databricks auth login --profile ${profileName}\`` } },
      );
    }
  } else if (explicitProfile !== undefined) {
    throw new MlopsError('CONFIG_INVALID', `Databricks profile [${profileName}] (${sources.profile}) was requested, but ${displayFile} does not exist`, {
      details: { profile: profileName, file: displayFile, hint: `create ${displayFile} with a [${profileName}] section (host, token), or set DATABRICKS_HOST and DATABRICKS_TOKEN` },
    });
  }
  if (profile !== undefined) {
    for (const [attribute, key] of Object.entries(PROFILE_KEYS) as [Attribute, string][]) {
      set(attribute, profile[key], `profile [${profileName}] in ${displayFile}`);
    }
  }

  const where = (attribute: Attribute): string =>
    `${ENV_NAMES[attribute]}, or ${PROFILE_KEYS[attribute] ?? attribute} in profile [${profileName}] of ${displayFile}`;
  const secrets = SECRET_ATTRIBUTES.map((attribute) => values[attribute]);

  if (values.host === undefined) {
    throw new MlopsError('CONFIG_INVALID', `No Databricks host configured: set workspace.host in the target, ${where('host')}`, {
      details: { file: displayFile, profile: profileName },
    });
  }
  const host = normalizeHost(values.host, sources.host ?? 'host');

  let authType: AuthType;
  if (values.authType !== undefined) {
    if (!(AUTH_TYPES as readonly string[]).includes(values.authType)) {
      throw new MlopsError('CONFIG_INVALID', `Unsupported Databricks auth_type "${values.authType}" (${sources.authType}); expected ${AUTH_TYPES.join(' or ')}`, {
        details: { authType: values.authType },
      });
    }
    authType = values.authType as AuthType;
  } else {
    const hasPat = values.token !== undefined;
    const hasM2m = values.clientId !== undefined || values.clientSecret !== undefined;
    if (hasPat && hasM2m) {
      throw new MlopsError(
        'CONFIG_INVALID',
        redactSecrets(
          `More than one Databricks authorization method configured: oauth and pat (token from ${sources.token}; client credentials from ${sources.clientId ?? sources.clientSecret}); ` +
            `remove one, or choose with ${ENV_NAMES.authType}=pat|oauth-m2m`,
          secrets,
        ),
        { details: { host } },
      );
    }
    if (!hasPat && !hasM2m) {
      throw new MlopsError(
        'CONFIG_INVALID',
        `No Databricks credentials for ${host}: set DATABRICKS_TOKEN (a personal access token) or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (OAuth M2M), ` +
          `or token / client_id + client_secret in profile [${profileName}] of ${displayFile}`,
        { details: { host, profile: profileName, file: displayFile } },
      );
    }
    authType = hasPat ? 'pat' : 'oauth-m2m';
  }
  if (authType === 'pat' && values.token === undefined) {
    throw new MlopsError('CONFIG_INVALID', `auth_type pat needs a token for ${host}: set ${where('token')}`, { details: { host } });
  }
  if (authType === 'oauth-m2m') {
    const missing = (['clientId', 'clientSecret'] as const).filter((attribute) => values[attribute] === undefined);
    if (missing.length > 0) {
      throw new MlopsError('CONFIG_INVALID', `OAuth M2M for ${host} needs both a client id and a client secret; missing ${missing.map((m) => ENV_NAMES[m]).join(' and ')} (or ${missing.map((m) => PROFILE_KEYS[m]).join(', ')} in profile [${profileName}] of ${displayFile})`, {
        details: { host },
      });
    }
  }

  const resolved: ResolvedDatabricksConfig = { host, authType, configFile: displayFile, sources };
  if (values.token !== undefined && authType === 'pat') resolved.token = values.token;
  if (authType === 'oauth-m2m') {
    resolved.clientId = values.clientId!;
    resolved.clientSecret = values.clientSecret!;
  }
  if (values.warehouseId !== undefined) resolved.warehouseId = values.warehouseId;
  if (profile !== undefined) resolved.profile = profileName;
  return resolved;
}

/** One line describing the configuration for messages, with secrets shown as ***. */
export function describeConfig(config: ResolvedDatabricksConfig): string {
  const parts = [`host=${config.host}`, `auth_type=${config.authType}`];
  if (config.token !== undefined) parts.push('token=***');
  if (config.clientId !== undefined) parts.push(`client_id=${config.clientId}`, 'client_secret=***');
  if (config.profile !== undefined) parts.push(`profile=${config.profile}`);
  if (config.warehouseId !== undefined) parts.push(`warehouse_id=${config.warehouseId}`);
  return parts.join(', ');
}

/** The SDKs accept a bare hostname and add https://; http:// stays allowed for local test servers. */
export function normalizeHost(host: string, source: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `https://${host}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new MlopsError('CONFIG_INVALID', `Databricks host ${JSON.stringify(host)} (${source}) is not a URL; expected e.g. https://adb-123.4.azuredatabricks.net`, {
      details: { host },
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new MlopsError('CONFIG_INVALID', `Databricks host ${url.origin} (${source}) must use https:// (or http:// for a local test server)`, { details: { host } });
  }
  if (url.username !== '' || url.password !== '') {
    throw new MlopsError('CONFIG_INVALID', `Databricks host (${source}) must not carry credentials in the URL; use a token or OAuth client credentials`, {});
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

export interface LoadDatabricksConfigOptions {
  env?: Record<string, string | undefined>;
  /** Where ~ is; default the HOME of `env`, else the OS home directory. */
  homeDir?: string;
}

/** The I/O shell around resolveDatabricksConfig: finds and reads the config file. */
export async function loadDatabricksConfig(explicit: DatabricksConfigInput, options: LoadDatabricksConfigOptions = {}): Promise<ResolvedDatabricksConfig> {
  const env = options.env ?? process.env;
  const home = options.homeDir ?? env.HOME ?? env.USERPROFILE ?? homedir();
  const requested = explicit.configFile ?? env[ENV_NAMES.configFile];
  const configFile = requested && requested.trim() !== '' ? expandHome(requested.trim(), home) : path.join(home, '.databrickscfg');
  let configFileText: string | undefined;
  try {
    configFileText = await readFile(configFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new MlopsError('IO', `Cannot read the Databricks config file ${configFile}: ${(error as Error).message}`, { cause: error, details: { file: configFile } });
    }
  }
  return resolveDatabricksConfig({ explicit, env, configFile, configFileText });
}

function expandHome(file: string, home: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(home, file.slice(1)) : path.resolve(file);
}
