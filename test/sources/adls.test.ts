import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ContainerSASPermissions } from '@azure/storage-blob';
import { afterAll, describe, expect, it } from 'vitest';
import { AdlsSource } from '../../src/sources/adls.js';
import type { SourceFile } from '../../src/sources/types.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, useAzurite } from '../helpers/azurite.js';

const azurite = useAzurite();
let containers = 0;

/** A container with landing/{a,b,…}.csv and a blob outside the folder. */
async function landing(files = ['a.csv', 'b.csv', 'c.csv']): Promise<{ name: string; container: ReturnType<ReturnType<typeof azurite>['service']['getContainerClient']> }> {
  const name = `adls-${++containers}`;
  const container = azurite().service.getContainerClient(name);
  await container.create();
  for (const file of files) await container.getBlockBlobClient(`landing/${file}`).upload(`x\n${file}\n`, 3 + file.length);
  await container.getBlockBlobClient('outside.csv').upload('x', 1);
  return { name, container };
}

async function paths(source: AdlsSource, pageSize?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const file of source.list(pageSize === undefined ? {} : { pageSize })) out.push(file.path);
  return out;
}

async function text(source: AdlsSource, file: SourceFile): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of source.open(file)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString();
}

async function catchError(promise: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

const servers: http.Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A pass-through HTTP proxy in front of azurite that counts listing requests. */
async function countingProxy(target: string): Promise<{ endpoint: string; listRequests: () => number }> {
  let lists = 0;
  const upstream = new URL(target);
  const server = http.createServer((request, response) => {
    if ((request.url ?? '').includes('comp=list')) lists++;
    const forward = http.request({ host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    request.pipe(forward);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`, listRequests: () => lists };
}

describe('AdlsSource on azurite', () => {
  it('uses AZURE_STORAGE_CONNECTION_STRING, whose endpoint wins over the host in the abfss:// URL', async () => {
    const { name } = await landing();
    const source = new AdlsSource({
      url: `abfss://${name}@mystorageaccount.dfs.core.windows.net/landing`,
      env: { AZURE_STORAGE_CONNECTION_STRING: azurite().connectionString },
    });
    expect(source.url).toBe(`abfss://${name}@mystorageaccount.dfs.core.windows.net/landing`);
    expect(source.authDescription).toBe('the connection string in AZURE_STORAGE_CONNECTION_STRING');
    expect(await paths(source)).toEqual(['a.csv', 'b.csv', 'c.csv']);
  });

  it('authenticates with an account key (AZURE_STORAGE_KEY) on an https-style URL of the emulator', async () => {
    const { name } = await landing();
    const source = new AdlsSource({ url: `${azurite().blobEndpoint}/${name}/landing`, env: { AZURE_STORAGE_KEY: AZURITE_KEY } });
    expect(source.authDescription).toBe('the account key in AZURE_STORAGE_KEY');
    const [first] = await paths(source);
    expect(first).toBe('a.csv');
    const file = (await (async () => {
      for await (const listed of source.list()) return listed;
      return undefined;
    })())!;
    expect(await text(source, file)).toBe('x\na.csv\n');
  });

  it("authenticates with a SAS token in the URL's query string, or in AZURE_STORAGE_SAS_TOKEN", async () => {
    const { name, container } = await landing();
    const sasUrl = await container.generateSasUrl({ permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + 3_600_000) });
    const sas = sasUrl.slice(sasUrl.indexOf('?') + 1);
    const inUrl = new AdlsSource({ url: `${azurite().blobEndpoint}/${name}/landing?${sas}`, env: {} });
    expect(inUrl.authDescription).toBe("the SAS token in the URL's query string");
    expect(inUrl.url).toBe(`${azurite().blobEndpoint}/${name}/landing`);
    expect(await paths(inUrl)).toEqual(['a.csv', 'b.csv', 'c.csv']);
    const fromEnv = new AdlsSource({ url: `${azurite().blobEndpoint}/${name}/landing`, env: { AZURE_STORAGE_SAS_TOKEN: `?${sas}` } });
    expect(fromEnv.authDescription).toBe('the SAS token in AZURE_STORAGE_SAS_TOKEN');
    expect(await paths(fromEnv)).toEqual(['a.csv', 'b.csv', 'c.csv']);
  });

  it('falls back to DefaultAzureCredential when the environment names no other credential', () => {
    const source = new AdlsSource({ url: 'abfss://landing@acct.dfs.core.windows.net/iris', env: {} });
    expect(source.authDescription).toMatch(/^DefaultAzureCredential/);
  });

  it('uses a service principal from the env it is given (DefaultAzureCredential would read process.env), authority host included', () => {
    const principal = { AZURE_TENANT_ID: 'tenant-1', AZURE_CLIENT_ID: 'client-1', AZURE_CLIENT_SECRET: 'sp-secret-value-1' };
    const source = new AdlsSource({ url: 'abfss://landing@acct.dfs.core.windows.net/iris', env: principal });
    expect(source.authDescription).toBe('the service principal in AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID');
    // Proof that the credential is built from this env: its AZURE_AUTHORITY_HOST is used (and refused, as not https).
    let caught: (Error & { code?: string; details?: unknown }) | undefined;
    try {
      new AdlsSource({ url: 'abfss://landing@acct.dfs.core.windows.net/iris', env: { ...principal, AZURE_AUTHORITY_HOST: 'http://127.0.0.1:9' } });
    } catch (error) {
      caught = error as Error & { code?: string; details?: unknown };
    }
    expect(caught?.code).toBe('CONFIG_INVALID');
    expect(caught?.message).toMatch(/service principal.*https/);
    expect(`${caught?.message} ${JSON.stringify(caught?.details)} ${caught?.stack}`).not.toContain('sp-secret-value-1');
  });

  it('pages the listing: with a page size of 2, seven files take four listing requests', async () => {
    const files = ['1.csv', '2.csv', '3.csv', '4.csv', '5.csv', '6.csv', '7.csv'];
    const { name } = await landing(files);
    const proxy = await countingProxy(azurite().origin);
    const connectionString = azurite().connectionString.replace(azurite().blobEndpoint, proxy.endpoint);
    const source = new AdlsSource({ url: `abfss://${name}@${AZURITE_ACCOUNT}.dfs.core.windows.net/landing`, env: { AZURE_STORAGE_CONNECTION_STRING: connectionString }, pageSize: 2 });
    expect(await paths(source)).toEqual(files);
    expect(proxy.listRequests()).toBe(4);
  });

  it('skips the directory markers of hierarchical-namespace accounts and hidden names', async () => {
    const { name, container } = await landing(['a.csv', 'sub/b.csv', '_SUCCESS', 'sub/.part.crc']);
    // On an HNS account the Blob API lists each directory as an empty blob with hdi_isfolder=true.
    await container.getBlockBlobClient('landing/sub').upload('', 0, { metadata: { hdi_isfolder: 'true' } });
    const source = new AdlsSource({ url: `abfss://${name}@${AZURITE_ACCOUNT}.dfs.core.windows.net/landing`, env: { AZURE_STORAGE_CONNECTION_STRING: azurite().connectionString } });
    expect(await paths(source)).toEqual(['a.csv', 'sub/b.csv']);
  });

  it('lists the whole container when the URL names no folder', async () => {
    const { name } = await landing(['a.csv']);
    const source = new AdlsSource({ url: `abfss://${name}@${AZURITE_ACCOUNT}.dfs.core.windows.net/`, env: { AZURE_STORAGE_CONNECTION_STRING: azurite().connectionString } });
    expect(await paths(source)).toEqual(['landing/a.csv', 'outside.csv']);
  });

  it('fails with NOT_FOUND naming the container when it does not exist', async () => {
    const source = new AdlsSource({ url: `abfss://no-such-container@${AZURITE_ACCOUNT}.dfs.core.windows.net/x`, env: { AZURE_STORAGE_CONNECTION_STRING: azurite().connectionString }, maxTries: 1 });
    const error = await catchError(paths(source));
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
    expect(error.message).toContain(`the container "no-such-container" does not exist in account ${AZURITE_ACCOUNT}`);
  });

  it('says which credential was refused, and never shows the key, the SAS or the connection string', async () => {
    const { name, container } = await landing();
    const wrongKey = Buffer.from('not the right key, but base64 all the same').toString('base64');
    const byKey = new AdlsSource({ url: `${azurite().blobEndpoint}/${name}/landing`, env: { AZURE_STORAGE_KEY: wrongKey }, maxTries: 1 });
    const keyError = await catchError(paths(byKey));
    expect(keyError).toMatchObject({ code: 'HTTP' });
    expect(keyError.message).toMatch(/^Cannot list http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/adls-\d+\/landing: access denied \((AuthorizationFailure|AuthenticationFailed|HTTP 403)\) using the account key in AZURE_STORAGE_KEY$/);

    const sasUrl = await container.generateSasUrl({ permissions: ContainerSASPermissions.parse('r'), expiresOn: new Date(Date.now() - 3_600_000) });
    const expiredSas = sasUrl.slice(sasUrl.indexOf('?') + 1);
    const bySas = new AdlsSource({ url: `${azurite().blobEndpoint}/${name}/landing?${expiredSas}`, env: {}, maxTries: 1 });
    const sasError = await catchError(paths(bySas));
    expect(sasError.message).toContain("using the SAS token in the URL's query string");

    const wrongConnection = azurite().connectionString.replace(AZURITE_KEY, wrongKey);
    const byConnection = new AdlsSource({ url: `abfss://${name}@${AZURITE_ACCOUNT}.dfs.core.windows.net/landing`, env: { AZURE_STORAGE_CONNECTION_STRING: wrongConnection }, maxTries: 1 });
    const connectionError = await catchError(paths(byConnection));

    const signature = decodeURIComponent(/sig=([^&]+)/.exec(expiredSas)![1]!);
    for (const error of [keyError, sasError, connectionError]) {
      const everything = `${error.message} ${JSON.stringify(error.details)} ${String(error.stack)} ${JSON.stringify(error)} ${String((error as { cause?: unknown }).cause ?? '')}`;
      for (const secret of [wrongKey, expiredSas, signature, encodeURIComponent(signature), wrongConnection, AZURITE_KEY]) expect(everything).not.toContain(secret);
      expect((error as { cause?: unknown }).cause).toBeUndefined();
    }
  });

  it('rejects a malformed connection string without echoing it', () => {
    const secretish = 'AccountName=x;AccountKey=c2VjcmV0LWtleS12YWx1ZQ==;ThisIsNot=AValidOne';
    let caught: (Error & { code?: string }) | undefined;
    try {
      new AdlsSource({ url: 'abfss://c0n@acct.dfs.core.windows.net/p', env: { AZURE_STORAGE_CONNECTION_STRING: secretish } });
    } catch (error) {
      caught = error as Error & { code?: string };
    }
    expect(caught?.code).toBe('CONFIG_INVALID');
    expect(caught?.message).not.toContain('c2VjcmV0LWtleS12YWx1ZQ==');
  });
});
