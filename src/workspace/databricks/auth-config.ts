import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { MlopsError } from '../../errors.js';
import { parseConfigFile, type ConfigProfile } from './config-file.js';
import { redactSecrets } from '../../redact.js';

export type AuthType = 'pat' | 'oauth-m2m' | 'azure-client-secret';
export const AUTH_TYPES: readonly AuthType[] = ['pat', 'oauth-m2m', 'azure-client-secret'];

/** What a caller may set explicitly; every field is optional and beats the environment and the file. */
export interface DatabricksConfigInput {
  host?: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  /** An Azure service principal (azure-client-secret): ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID. */
  azureClientId?: string;
  azureClientSecret?: string;
  azureTenantId?: string;
  /** The workspace's Azure resource id, sent as X-Databricks-Azure-Workspace-Resource-Id. */
  azureWorkspaceResourceId?: string;
  authType?: string;
  profile?: string;
  configFile?: string;
  warehouseId?: string;
  /** A classic cluster for Databricks Connect (Spark Connect). */
  clusterId?: string;
  /** `auto` for serverless compute with Databricks Connect. */
  serverlessComputeId?: string;
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
  azureClientId?: string;
  azureClientSecret?: string;
  /** Absent when not configured: the credentials read it from the workspace's login redirect, as the SDK does. */
  azureTenantId?: string;
  azureWorkspaceResourceId?: string;
  warehouseId?: string;
  clusterId?: string;
  serverlessComputeId?: string;
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
  azureClientId: 'ARM_CLIENT_ID',
  azureClientSecret: 'ARM_CLIENT_SECRET',
  azureTenantId: 'ARM_TENANT_ID',
  azureWorkspaceResourceId: 'DATABRICKS_AZURE_RESOURCE_ID',
  authType: 'DATABRICKS_AUTH_TYPE',
  profile: 'DATABRICKS_CONFIG_PROFILE',
  configFile: 'DATABRICKS_CONFIG_FILE',
  warehouseId: 'DATABRICKS_WAREHOUSE_ID',
  clusterId: 'DATABRICKS_CLUSTER_ID',
  serverlessComputeId: 'DATABRICKS_SERVERLESS_COMPUTE_ID',
};

const PROFILE_KEYS: Partial<Record<Attribute, string>> = {
  host: 'host',
  token: 'token',
  clientId: 'client_id',
  clientSecret: 'client_secret',
  azureClientId: 'azure_client_id',
  azureClientSecret: 'azure_client_secret',
  azureTenantId: 'azure_tenant_id',
  azureWorkspaceResourceId: 'azure_workspace_resource_id',
  authType: 'auth_type',
  warehouseId: 'warehouse_id',
  clusterId: 'cluster_id',
  serverlessComputeId: 'serverless_compute_id',
};

const SECRET_ATTRIBUTES: readonly Attribute[] = ['token', 'clientSecret', 'azureClientSecret'];

/** The SDK's auth groups (ConfigAttribute auth=…): settings from two groups need an auth_type to choose. */
const AUTH_GROUPS: Record<'azure' | 'oauth' | 'pat', readonly Attribute[]> = {
  azure: ['azureClientId', 'azureClientSecret', 'azureTenantId', 'azureWorkspaceResourceId'],
  oauth: ['clientId', 'clientSecret'],
  pat: ['token'],
};

/** Azure Databricks hosts by DNS suffix, as databricks-sdk's environments: Entra ID and management endpoints, and the login app id. */
export interface AzureEnvironment {
  activeDirectoryEndpoint: string;
  serviceManagementEndpoint: string;
  loginAppId: string;
}
const ARM_DATABRICKS_RESOURCE_ID = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';
const AZURE_PUBLIC = { activeDirectoryEndpoint: 'https://login.microsoftonline.com/', serviceManagementEndpoint: 'https://management.core.windows.net/' };
const AZURE_HOSTS: ReadonlyArray<[string, AzureEnvironment]> = [
  ['.dev.azuredatabricks.net', { ...AZURE_PUBLIC, loginAppId: '62a912ac-b58e-4c1d-89ea-b2dbfc7358fc' }],
  ['.staging.azuredatabricks.net', { ...AZURE_PUBLIC, loginAppId: '4a67d088-db5c-48f1-9ff2-0aace800ae68' }],
  ['.azuredatabricks.net', { ...AZURE_PUBLIC, loginAppId: ARM_DATABRICKS_RESOURCE_ID }],
  ['.databricks.azure.us', { activeDirectoryEndpoint: 'https://login.microsoftonline.us/', serviceManagementEndpoint: 'https://management.core.usgovcloudapi.net/', loginAppId: ARM_DATABRICKS_RESOURCE_ID }],
  ['.databricks.azure.cn', { activeDirectoryEndpoint: 'https://login.chinacloudapi.cn/', serviceManagementEndpoint: 'https://management.core.chinacloudapi.cn/', loginAppId: ARM_DATABRICKS_RESOURCE_ID }],
];

/** The Azure cloud of a workspace host, or undefined for a host that is not Azure Databricks. */
export function azureEnvironmentOf(host: string): AzureEnvironment | undefined {
  let hostname: string;
  try {
    hostname = new URL(host).hostname;
  } catch {
    return undefined;
  }
  return AZURE_HOSTS.find(([suffix]) => hostname.endsWith(suffix))?.[1];
}
const SETTINGS_SECTION = '__settings__';

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
  const requestedProfile = values.profile;
  // As databricks-sdk's _known_file_config_loader: without a requested profile, a host or credentials
  // given explicitly or in the environment mean the file is not read at all (so a DEFAULT token never
  // joins an environment host); a config file that does not exist is skipped, whatever was requested.
  const anyAuth = Object.values(AUTH_GROUPS).some((group) => group.some((attribute) => values[attribute] !== undefined));
  const skipFile = requestedProfile === undefined && (anyAuth || values.host !== undefined);
  let profileName = requestedProfile ?? 'DEFAULT';
  let profile: ConfigProfile | undefined;
  if (inputs.configFileText !== undefined && !skipFile) {
    const profiles = parseConfigFile(inputs.configFileText, displayFile);
    // [__settings__] default_profile names the profile to use when none is requested (databricks CLI ≥ 0.2xx).
    const settings = profiles.get(SETTINGS_SECTION);
    profiles.delete(SETTINGS_SECTION);
    const defaultProfile = settings?.default_profile?.trim();
    if (requestedProfile === SETTINGS_SECTION || defaultProfile === SETTINGS_SECTION) {
      throw new MlopsError('CONFIG_INVALID', `${SETTINGS_SECTION} in ${displayFile} is a reserved section name and cannot be used as a profile`, { details: { file: displayFile } });
    }
    const chosen = requestedProfile ?? (defaultProfile !== undefined && defaultProfile !== '' ? defaultProfile : undefined);
    profileName = chosen ?? 'DEFAULT';
    profile = profiles.get(profileName);
    if (profile === undefined && chosen !== undefined) {
      const known = [...profiles.keys()];
      const origin = requestedProfile !== undefined ? sources.profile : `default_profile in [${SETTINGS_SECTION}]`;
      const envCredentials = inputs.env[ENV_NAMES.host] !== undefined && (inputs.env[ENV_NAMES.token] !== undefined || inputs.env[ENV_NAMES.clientId] !== undefined);
      const hint =
        sources.profile === 'explicit' && envCredentials
          ? `the target pins profile ${profileName} (workspace.profile), which beats DATABRICKS_HOST and DATABRICKS_TOKEN for the file; add a [${profileName}] section to ${displayFile}, or remove profile: from the target to use the environment variables`
          : `add a [${profileName}] section with host and token to ${displayFile}, or run \`databricks auth login --profile ${profileName}\``;
      throw new MlopsError(
        'CONFIG_INVALID',
        `Databricks profile [${profileName}] (${origin}) is not in ${displayFile}; it has ${known.length > 0 ? known.map((name) => `[${name}]`).join(', ') : 'no profiles'}`,
        { details: { profile: profileName, file: displayFile, hint } },
      );
    }
  }
  if (profile !== undefined) {
    for (const [attribute, key] of Object.entries(PROFILE_KEYS) as [Attribute, string][]) {
      set(attribute, profile[key], `profile [${profileName}] in ${displayFile}`);
    }
  }
  // Said when resolution fails below: the profile that was asked for but not found.
  const absentFile = requestedProfile !== undefined && inputs.configFileText === undefined ? ` (profile [${requestedProfile}] was requested, but ${displayFile} does not exist)` : '';

  const where = (attribute: Attribute): string =>
    `${ENV_NAMES[attribute]}, or ${PROFILE_KEYS[attribute] ?? attribute} in profile [${profileName}] of ${displayFile}`;
  const secrets = SECRET_ATTRIBUTES.map((attribute) => values[attribute]);

  if (values.host === undefined) {
    throw new MlopsError('CONFIG_INVALID', `No Databricks host configured${absentFile}: set workspace.host in the target, ${where('host')}`, {
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
    const groups = (Object.keys(AUTH_GROUPS) as Array<keyof typeof AUTH_GROUPS>).filter((group) => AUTH_GROUPS[group].some((attribute) => values[attribute] !== undefined));
    if (groups.length > 1) {
      const from = groups.map((group) => `${group}: ${AUTH_GROUPS[group].filter((attribute) => values[attribute] !== undefined).map((attribute) => sources[attribute]).join(', ')}`).join('; ');
      throw new MlopsError(
        'CONFIG_INVALID',
        redactSecrets(`More than one Databricks authorization method configured: ${groups.join(' and ')} (${from}); remove all but one, or choose with ${ENV_NAMES.authType}=${AUTH_TYPES.join('|')}`, secrets),
        { details: { host } },
      );
    }
    const hasPat = values.token !== undefined;
    const hasM2m = values.clientId !== undefined || values.clientSecret !== undefined;
    const hasAzure = values.azureClientId !== undefined && values.azureClientSecret !== undefined;
    if (!hasPat && !hasM2m && !hasAzure) {
      throw new MlopsError(
        'CONFIG_INVALID',
        `No Databricks credentials for ${host}${absentFile}: set DATABRICKS_TOKEN (a personal access token), DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (OAuth M2M), ` +
          `or ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID (an Azure service principal), or their keys in profile [${profileName}] of ${displayFile}`,
        { details: { host, profile: profileName, file: displayFile } },
      );
    }
    authType = hasPat ? 'pat' : hasM2m ? 'oauth-m2m' : 'azure-client-secret';
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

  if (authType === 'azure-client-secret') {
    const missing = (['azureClientId', 'azureClientSecret'] as const).filter((attribute) => values[attribute] === undefined);
    if (missing.length > 0) {
      throw new MlopsError('CONFIG_INVALID', `azure-client-secret auth for ${host} needs ${missing.map((m) => ENV_NAMES[m]).join(' and ')} (or ${missing.map((m) => PROFILE_KEYS[m]).join(', ')} in profile [${profileName}] of ${displayFile})`, {
        details: { host },
      });
    }
    if (azureEnvironmentOf(host) === undefined) {
      throw new MlopsError(
        'CONFIG_INVALID',
        `azure-client-secret auth needs an Azure Databricks host (*.azuredatabricks.net, *.databricks.azure.us or *.databricks.azure.cn), got ${host} (${sources.host}); use a token or OAuth M2M for other clouds`,
        { details: { host } },
      );
    }
  }

  const resolved: ResolvedDatabricksConfig = { host, authType, configFile: displayFile, sources };
  if (authType === 'azure-client-secret') {
    resolved.azureClientId = values.azureClientId!;
    resolved.azureClientSecret = values.azureClientSecret!;
    if (values.azureTenantId !== undefined) resolved.azureTenantId = values.azureTenantId;
    if (values.azureWorkspaceResourceId !== undefined) resolved.azureWorkspaceResourceId = values.azureWorkspaceResourceId;
  }
  if (values.token !== undefined && authType === 'pat') resolved.token = values.token;
  if (authType === 'oauth-m2m') {
    resolved.clientId = values.clientId!;
    resolved.clientSecret = values.clientSecret!;
  }
  if (values.warehouseId !== undefined) resolved.warehouseId = values.warehouseId;
  if (values.clusterId !== undefined) resolved.clusterId = values.clusterId;
  if (values.serverlessComputeId !== undefined) resolved.serverlessComputeId = values.serverlessComputeId;
  if (profile !== undefined) resolved.profile = profileName;
  return resolved;
}

/** One line describing the configuration for messages, with secrets shown as ***. */
export function describeConfig(config: ResolvedDatabricksConfig): string {
  const parts = [`host=${config.host}`, `auth_type=${config.authType}`];
  if (config.token !== undefined) parts.push('token=***');
  if (config.clientId !== undefined) parts.push(`client_id=${config.clientId}`, 'client_secret=***');
  if (config.azureClientId !== undefined) parts.push(`azure_client_id=${config.azureClientId}`, 'azure_client_secret=***');
  if (config.azureTenantId !== undefined) parts.push(`azure_tenant_id=${config.azureTenantId}`);
  if (config.profile !== undefined) parts.push(`profile=${config.profile}`);
  if (config.warehouseId !== undefined) parts.push(`warehouse_id=${config.warehouseId}`);
  if (config.clusterId !== undefined) parts.push(`cluster_id=${config.clusterId}`);
  if (config.serverlessComputeId !== undefined) parts.push(`serverless_compute_id=${config.serverlessComputeId}`);
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
