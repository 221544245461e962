import { describe, expect, it } from 'vitest';
import { adlsSecrets, chooseAdlsAuth, describeAdlsAuth } from '../../src/sources/adls-auth.js';
import { parseAdlsUrl } from '../../src/sources/adls-url.js';

const plain = parseAdlsUrl('abfss://landing@hpstorage.dfs.core.windows.net/iris');
const withSas = parseAdlsUrl('https://hpstorage.blob.core.windows.net/landing/iris?sv=1&sig=URLSIG%3D');
const principal = { AZURE_TENANT_ID: 'tenant-1', AZURE_CLIENT_ID: 'client-1', AZURE_CLIENT_SECRET: 'c2VjcmV0' };
const connectionString = 'DefaultEndpointsProtocol=https;AccountName=hpstorage;AccountKey=S2V5S2V5S2V5;EndpointSuffix=core.windows.net';

describe('chooseAdlsAuth', () => {
  it('takes, first match wins: a passed credential, the connection string, a SAS in the URL, an account key, a SAS variable, a service principal, DefaultAzureCredential', () => {
    const credential = { getToken: async () => null };
    const everything = { AZURE_STORAGE_CONNECTION_STRING: connectionString, AZURE_STORAGE_KEY: 'a2V5', AZURE_STORAGE_SAS_TOKEN: '?sv=1&sig=ENV' };
    expect(chooseAdlsAuth(withSas, everything, credential).kind).toBe('token-credential');
    expect(chooseAdlsAuth(withSas, everything)).toEqual({ kind: 'connection-string', connectionString });
    expect(chooseAdlsAuth(withSas, { ...everything, AZURE_STORAGE_CONNECTION_STRING: ' ' })).toEqual({ kind: 'sas', sas: 'sv=1&sig=URLSIG%3D', from: 'url' });
    expect(chooseAdlsAuth(plain, { AZURE_STORAGE_KEY: 'a2V5', AZURE_STORAGE_SAS_TOKEN: '?sv=1&sig=ENV' })).toEqual({ kind: 'account-key', account: 'hpstorage', key: 'a2V5', from: 'AZURE_STORAGE_KEY' });
    expect(chooseAdlsAuth(plain, { AZURE_STORAGE_ACCOUNT_KEY: 'a2V5' })).toMatchObject({ kind: 'account-key', from: 'AZURE_STORAGE_ACCOUNT_KEY' });
    expect(chooseAdlsAuth(plain, { AZURE_STORAGE_SAS_TOKEN: '?sv=1&sig=ENV', ...principal })).toEqual({ kind: 'sas', sas: 'sv=1&sig=ENV', from: 'AZURE_STORAGE_SAS_TOKEN' });
    expect(chooseAdlsAuth(plain, principal)).toEqual({ kind: 'service-principal', tenantId: 'tenant-1', clientId: 'client-1', clientSecret: 'c2VjcmV0' });
    expect(chooseAdlsAuth(plain, { ...principal, AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us' })).toMatchObject({ kind: 'service-principal', authorityHost: 'https://login.microsoftonline.us' });
    expect(chooseAdlsAuth(plain, {})).toEqual({ kind: 'default-credential' });
  });

  it('leaves a service principal missing its secret or tenant to DefaultAzureCredential (managed identity takes AZURE_CLIENT_ID alone)', () => {
    expect(chooseAdlsAuth(plain, { AZURE_CLIENT_ID: 'client-1' }).kind).toBe('default-credential');
    expect(chooseAdlsAuth(plain, { ...principal, AZURE_CLIENT_SECRET: ' ' }).kind).toBe('default-credential');
    expect(chooseAdlsAuth(plain, { ...principal, AZURE_TENANT_ID: '' }).kind).toBe('default-credential');
  });

  it('does not use an account key meant for another account (AZURE_STORAGE_ACCOUNT)', () => {
    expect(chooseAdlsAuth(plain, { AZURE_STORAGE_ACCOUNT: 'otheraccount', AZURE_STORAGE_KEY: 'a2V5' }).kind).toBe('default-credential');
    expect(chooseAdlsAuth(plain, { AZURE_STORAGE_ACCOUNT: 'hpstorage', AZURE_STORAGE_KEY: 'a2V5' }).kind).toBe('account-key');
  });

  it('describes each credential without its secret, and lists the secrets to redact', () => {
    const auths = [
      chooseAdlsAuth(plain, { AZURE_STORAGE_CONNECTION_STRING: `${connectionString};SharedAccessSignature=sv=1&sig=CSSIG` }),
      chooseAdlsAuth(withSas, {}),
      chooseAdlsAuth(plain, { AZURE_STORAGE_KEY: 'a2V5' }),
      chooseAdlsAuth(plain, principal),
    ];
    const descriptions = auths.map(describeAdlsAuth);
    expect(descriptions).toEqual([
      'the connection string in AZURE_STORAGE_CONNECTION_STRING',
      "the SAS token in the URL's query string",
      'the account key in AZURE_STORAGE_KEY',
      'the service principal in AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID',
    ]);
    expect(descriptions.join(' ')).not.toContain('c2VjcmV0');
    expect(adlsSecrets(auths[0]!)).toEqual(expect.arrayContaining(['S2V5S2V5S2V5', 'CSSIG', 'sv=1&sig=CSSIG']));
    expect(adlsSecrets(auths[1]!)).toEqual(expect.arrayContaining(['URLSIG%3D', 'URLSIG=']));
    expect(adlsSecrets(auths[2]!)).toEqual(['a2V5']);
    expect(adlsSecrets(auths[3]!)).toEqual(['c2VjcmV0']);
    expect(adlsSecrets({ kind: 'default-credential' })).toEqual([]);
  });
});
