import { throwIfAborted } from '../../errors.js';
import { type StorageClient, withQuery } from './cloud-storage.js';

export interface AzureUploadOptions {
  /** Extra headers the credential asks for. */
  headers?: Record<string, string>;
  /** Data larger than this goes up as blocks of this size; default 8 MiB. */
  blockSize?: number;
  signal?: AbortSignal;
}

const DEFAULT_BLOCK_SIZE = 8 * 1024 * 1024;

/**
 * Uploads one blob through an Azure SAS URL: Put Blob for small data, otherwise Put Block for each
 * block followed by Put Block List, so a failed upload never leaves a partial blob behind.
 */
export async function uploadAzureBlob(storage: StorageClient, sasUrl: string, data: Uint8Array, options: AzureUploadOptions = {}): Promise<void> {
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const headers = options.headers ?? {};
  const signal = options.signal ? { signal: options.signal } : {};
  if (data.byteLength <= blockSize) {
    await storage.expectOk(
      { method: 'PUT', url: sasUrl, headers: { ...headers, 'x-ms-blob-type': 'BlockBlob', 'Content-Type': 'application/octet-stream' }, body: data, ...signal },
      'Azure Put Blob',
    );
    return;
  }
  const blockIds: string[] = [];
  for (let offset = 0, index = 0; offset < data.byteLength; offset += blockSize, index++) {
    throwIfAborted(options.signal);
    // Azure requires every block id of a blob to have the same length before base64.
    const blockId = Buffer.from(`block-${String(index).padStart(8, '0')}`).toString('base64');
    blockIds.push(blockId);
    await storage.expectOk(
      {
        method: 'PUT',
        url: withQuery(sasUrl, { comp: 'block', blockid: blockId }),
        headers: { ...headers, 'Content-Type': 'application/octet-stream' },
        body: data.subarray(offset, Math.min(offset + blockSize, data.byteLength)),
        ...signal,
      },
      `Azure Put Block ${index}`,
    );
  }
  const xml = `<?xml version="1.0" encoding="utf-8"?><BlockList>${blockIds.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
  await storage.expectOk(
    { method: 'PUT', url: withQuery(sasUrl, { comp: 'blocklist' }), headers: { ...headers, 'Content-Type': 'application/xml' }, body: new TextEncoder().encode(xml), ...signal },
    'Azure Put Block List',
  );
}

/**
 * The blob endpoint URL of a file under an abfss:// location: ADLS Gen2 accounts also serve the
 * Blob API, at <account>.blob.<suffix> for <account>.dfs.<suffix>.
 */
export function abfssToBlobUrl(location: string, relativePath: string, sasToken: string, endpointFor?: (account: string) => string): string {
  const match = /^abfss?:\/\/([^@/]+)@([^./]+)\.dfs\.([^/]+)(\/.*)?$/.exec(location);
  if (match === null) throw new Error(`not an abfss://<container>@<account>.dfs.<suffix>/<path> location: ${location}`);
  const [, container, account, suffix, basePath] = match as unknown as [string, string, string, string, string | undefined];
  const endpoint = endpointFor ? endpointFor(account).replace(/\/+$/, '') : `https://${account}.blob.${suffix}`;
  const segments = [...(basePath ?? '').split('/'), ...relativePath.split('/')].filter((s) => s !== '');
  const sas = sasToken.replace(/^\?/, '');
  return `${endpoint}/${container}/${segments.map(encodeURIComponent).join('/')}${sas ? `?${sas}` : ''}`;
}

/**
 * Uploads one file through an ADLS Gen2 (dfs endpoint) SAS URL: create the file, append the data,
 * then flush it, which makes it visible in one step.
 */
export async function uploadAdlsFile(storage: StorageClient, sasUrl: string, data: Uint8Array, options: AzureUploadOptions = {}): Promise<void> {
  const headers = options.headers ?? {};
  const signal = options.signal ? { signal: options.signal } : {};
  await storage.expectOk({ method: 'PUT', url: withQuery(sasUrl, { resource: 'file' }), headers, ...signal }, 'ADLS create file');
  if (data.byteLength > 0) {
    await storage.expectOk(
      { method: 'PATCH', url: withQuery(sasUrl, { action: 'append', position: '0' }), headers: { ...headers, 'Content-Type': 'application/octet-stream' }, body: data, safeToRepeat: true, ...signal },
      'ADLS append',
    );
  }
  // Append and flush name their position: sending either again writes the same bytes to the same place.
  await storage.expectOk({ method: 'PATCH', url: withQuery(sasUrl, { action: 'flush', position: String(data.byteLength) }), headers, safeToRepeat: true, ...signal }, 'ADLS flush');
}
