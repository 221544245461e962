import type { TokenCredential } from '@azure/identity';
import type { AdlsLocation } from './adls-url.js';

/** How an ADLS source authenticates; chosen by chooseAdlsAuth, never logged with its secrets. */
export type AdlsAuth =
  | { kind: 'token-credential'; credential: TokenCredential }
  | { kind: 'connection-string'; connectionString: string }
  | { kind: 'sas'; sas: string; from: 'url' | 'AZURE_STORAGE_SAS_TOKEN' }
  | { kind: 'account-key'; account: string; key: string; from: string }
  | { kind: 'service-principal'; tenantId: string; clientId: string; clientSecret: string; authorityHost?: string }
  | { kind: 'default-credential' };

export const CONNECTION_STRING_ENV = 'AZURE_STORAGE_CONNECTION_STRING';
export const ACCOUNT_KEY_ENVS = ['AZURE_STORAGE_KEY', 'AZURE_STORAGE_ACCOUNT_KEY'] as const;
export const SAS_TOKEN_ENV = 'AZURE_STORAGE_SAS_TOKEN';
export const ACCOUNT_ENV = 'AZURE_STORAGE_ACCOUNT';
export const SERVICE_PRINCIPAL_ENVS = { tenantId: 'AZURE_TENANT_ID', clientId: 'AZURE_CLIENT_ID', clientSecret: 'AZURE_CLIENT_SECRET' } as const;
export const AUTHORITY_HOST_ENV = 'AZURE_AUTHORITY_HOST';

/**
 * Picks the credential, first match wins:
 *  1. a TokenCredential passed in by the caller (API use);
 *  2. AZURE_STORAGE_CONNECTION_STRING — its endpoints win over the URL's host, so the same abfss:// URL
 *     reaches azurite or a private endpoint;
 *  3. a SAS token in the URL's query string;
 *  4. an account key in AZURE_STORAGE_KEY (or AZURE_STORAGE_ACCOUNT_KEY), unless AZURE_STORAGE_ACCOUNT
 *     names another account;
 *  5. a SAS token in AZURE_STORAGE_SAS_TOKEN;
 *  6. a service principal in AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID (read here, from
 *     `env`, because DefaultAzureCredential would read them from process.env whatever env was passed);
 *  7. DefaultAzureCredential: workload or managed identity, then the Azure CLI's `az login`.
 */
export function chooseAdlsAuth(location: AdlsLocation, env: Record<string, string | undefined>, credential?: TokenCredential): AdlsAuth {
  if (credential !== undefined) return { kind: 'token-credential', credential };
  const connectionString = nonEmpty(env[CONNECTION_STRING_ENV]);
  if (connectionString !== undefined) return { kind: 'connection-string', connectionString };
  if (location.sas !== undefined) return { kind: 'sas', sas: location.sas, from: 'url' };
  const namedAccount = nonEmpty(env[ACCOUNT_ENV]);
  for (const name of ACCOUNT_KEY_ENVS) {
    const key = nonEmpty(env[name]);
    if (key !== undefined && (namedAccount === undefined || namedAccount === location.account)) {
      return { kind: 'account-key', account: location.account, key, from: name };
    }
  }
  const sas = nonEmpty(env[SAS_TOKEN_ENV]);
  if (sas !== undefined) return { kind: 'sas', sas: sas.replace(/^\?/, ''), from: SAS_TOKEN_ENV };
  const tenantId = nonEmpty(env[SERVICE_PRINCIPAL_ENVS.tenantId]);
  const clientId = nonEmpty(env[SERVICE_PRINCIPAL_ENVS.clientId]);
  const clientSecret = nonEmpty(env[SERVICE_PRINCIPAL_ENVS.clientSecret]);
  if (tenantId !== undefined && clientId !== undefined && clientSecret !== undefined) {
    const authorityHost = nonEmpty(env[AUTHORITY_HOST_ENV]);
    return { kind: 'service-principal', tenantId, clientId, clientSecret, ...(authorityHost === undefined ? {} : { authorityHost }) };
  }
  return { kind: 'default-credential' };
}

/** Says which credential is in use, for messages: never the secret itself. */
export function describeAdlsAuth(auth: AdlsAuth): string {
  switch (auth.kind) {
    case 'token-credential':
      return 'the credential passed by the caller';
    case 'connection-string':
      return `the connection string in ${CONNECTION_STRING_ENV}`;
    case 'sas':
      return auth.from === 'url' ? "the SAS token in the URL's query string" : `the SAS token in ${SAS_TOKEN_ENV}`;
    case 'account-key':
      return `the account key in ${auth.from}`;
    case 'service-principal':
      return `the service principal in ${SERVICE_PRINCIPAL_ENVS.clientId}, ${SERVICE_PRINCIPAL_ENVS.clientSecret} and ${SERVICE_PRINCIPAL_ENVS.tenantId}`;
    case 'default-credential':
      return 'DefaultAzureCredential (service principal environment variables, managed identity or `az login`)';
  }
}

/** Every secret value the auth carries, for redaction: keys, SAS tokens and their signatures, connection strings. */
export function adlsSecrets(auth: AdlsAuth): string[] {
  switch (auth.kind) {
    case 'connection-string': {
      const parts = auth.connectionString.split(';').flatMap((part) => {
        const equals = part.indexOf('=');
        const key = part.slice(0, equals).trim().toLowerCase();
        const value = part.slice(equals + 1).trim();
        if (key === 'accountkey') return [value];
        if (key === 'sharedaccesssignature') return [value, ...sasSignatures(value)];
        return [];
      });
      return [auth.connectionString, ...parts];
    }
    case 'sas':
      return [auth.sas, ...sasSignatures(auth.sas)];
    case 'account-key':
      return [auth.key];
    case 'service-principal':
      return [auth.clientSecret];
    default:
      return [];
  }
}

function sasSignatures(sas: string): string[] {
  const signatures: string[] = [];
  for (const part of sas.replace(/^\?/, '').split('&')) {
    if (part.startsWith('sig=')) {
      const value = part.slice(4);
      signatures.push(value);
      try {
        signatures.push(decodeURIComponent(value));
      } catch {
        // Not percent-encoded: the raw value is enough.
      }
    }
  }
  return signatures;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
