import { ContainerSASPermissions, generateBlobSASQueryParameters, SASProtocol, StorageSharedKeyCredential } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { abfssToBlobUrl, uploadAdlsFile, uploadAzureBlob } from '../../../src/workspace/databricks/azure-blob.js';
import { StorageClient } from '../../../src/workspace/databricks/cloud-storage.js';
import { useFakeDatabricks } from '../../fakes/databricks/helpers.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, useAzurite } from '../../helpers/azurite.js';

describe('abfssToBlobUrl', () => {
  it('turns an abfss:// storage location into the Blob endpoint URL of a file with the SAS', () => {
    expect(abfssToBlobUrl('abfss://models@acct.dfs.core.windows.net/m/s/v/1', 'code/a b.py', '?sv=1&sig=x')).toBe('https://acct.blob.core.windows.net/models/m/s/v/1/code/a%20b.py?sv=1&sig=x');
    expect(abfssToBlobUrl('abfss://c@acct.dfs.core.chinacloudapi.cn/', 'f', 'sig=y')).toBe('https://acct.blob.core.chinacloudapi.cn/c/f?sig=y');
    expect(abfssToBlobUrl('abfss://c@acct.dfs.core.windows.net/p', 'f', 'sig=y', (a) => `http://127.0.0.1:1/${a}`)).toBe('http://127.0.0.1:1/acct/c/p/f?sig=y');
    expect(() => abfssToBlobUrl('s3://bucket/p', 'f', '')).toThrowError(/not an abfss/);
  });
});

describe('uploadAzureBlob / uploadAdlsFile', () => {
  const startFake = useFakeDatabricks();

  it('puts small data as one blob and large data as blocks plus a block list', async () => {
    const fake = await startFake();
    const storage = new StorageClient();
    await uploadAzureBlob(storage, fake.cloud.url('/_azure/acct/c/small.bin', ['PUT'], 'azure'), new Uint8Array([1, 2]), { blockSize: 4 });
    await uploadAzureBlob(storage, fake.cloud.url('/_azure/acct/c/big.bin', ['PUT'], 'azure'), new Uint8Array(10).fill(5), { blockSize: 4 });
    expect([...fake.cloud.objects.get('c/small.bin')!]).toEqual([1, 2]);
    expect(fake.cloud.objects.get('c/big.bin')!.byteLength).toBe(10);
    const big = fake.cloudRequests().filter((r) => r.path === '/_azure/acct/c/big.bin');
    expect(big.map((r) => r.query.get('comp'))).toEqual(['block', 'block', 'block', 'blocklist']);
    expect(fake.cloudRequests().find((r) => r.path === '/_azure/acct/c/small.bin')!.headers['x-ms-blob-type']).toBe('BlockBlob');
  });

  it('creates, appends and flushes an ADLS Gen2 file', async () => {
    const fake = await startFake();
    await uploadAdlsFile(new StorageClient(), fake.cloud.url('/_azure/acct/fs/dir/f.txt', ['PUT', 'PATCH'], 'azure'), new TextEncoder().encode('hello'));
    expect(new TextDecoder().decode(fake.cloud.objects.get('fs/dir/f.txt'))).toBe('hello');
  });

  it('fails with the storage error, the URL shown without its signature', async () => {
    const fake = await startFake();
    const url = fake.cloud.url('/_azure/acct/c/x', ['GET'], 'azure'); // signed for reading only
    const error = (await uploadAzureBlob(new StorageClient(), url, new Uint8Array([1])).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/Azure Put Blob: cloud storage PUT http:\/\/127\.0\.0\.1:\d+\/_azure\/acct\/c\/x\?\*\*\* failed with 403 AuthorizationPermissionMismatch/);
    expect(error.message).not.toMatch(/sig=/);
  });
});

describe('uploadAzureBlob against azurite (the Azure Storage emulator)', () => {
  const azurite = useAzurite();

  it('uploads blocks through a SAS URL built from an abfss:// location, readable with the Azure SDK', async () => {
    const { service, origin } = azurite();
    const container = service.getContainerClient('models');
    await container.createIfNotExists();
    const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
    const sas = generateBlobSASQueryParameters(
      { containerName: 'models', permissions: ContainerSASPermissions.parse('rcw'), expiresOn: new Date(Date.now() + 600_000), protocol: SASProtocol.HttpsAndHttp },
      credential,
    ).toString();
    const data = new Uint8Array(50_000).map((_, i) => (i * 13) % 256);
    const url = abfssToBlobUrl(`abfss://models@${AZURITE_ACCOUNT}.dfs.core.windows.net/cat/sch/m/versions/1`, 'weights.bin', sas, (account) => `${origin}/${account}`);
    await uploadAzureBlob(new StorageClient(), url, data, { blockSize: 16_384 });
    const blob = container.getBlobClient('cat/sch/m/versions/1/weights.bin');
    const downloaded = await blob.downloadToBuffer();
    expect(Buffer.compare(downloaded, Buffer.from(data))).toBe(0);
    const blocks = await container.getBlockBlobClient('cat/sch/m/versions/1/weights.bin').getBlockList('committed');
    expect(blocks.committedBlocks?.length).toBe(4);
  });
});
