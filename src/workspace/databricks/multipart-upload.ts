import { MlopsError, throwIfAborted } from '../../errors.js';
import { isExpiredUrlResponse, storageError, type StorageClient } from './cloud-storage.js';
import { encodePath, type DatabricksClient } from './http-client.js';

export interface MultipartUploadOptions {
  overwrite: boolean;
  /** Bytes per part; default 10 MiB (the SDKs' default). */
  partSize?: number;
  /** Part URLs requested per create-upload-part-urls call; default 10. */
  urlBatchSize?: number;
  /** How long requested URLs stay valid; default 1 hour. */
  urlLifetimeMs?: number;
  /** How many times one part may meet an expired URL before giving up; default 3. */
  maxExpiredRetries?: number;
  signal?: AbortSignal;
  now?: () => number;
}

interface PresignedUrl {
  url: string;
  part_number: number;
  headers?: { name: string; value: string }[];
}

/**
 * The Files API multipart upload: initiate-upload, then part by part PUT to presigned cloud URLs
 * (never with the workspace token), then complete-upload with the parts' ETags. An expired URL is
 * replaced by requesting fresh URLs from the same part on; any other failure aborts the session so
 * no partial file is left. Returns false when the workspace offers no multipart session (e.g. a
 * GCP resumable session), in which case the caller uploads in one request.
 */
export async function uploadMultipart(
  client: DatabricksClient,
  storage: StorageClient,
  volumePath: string,
  data: Uint8Array,
  options: MultipartUploadOptions,
): Promise<boolean> {
  const partSize = options.partSize ?? 10 * 1024 * 1024;
  const batchSize = options.urlBatchSize ?? 10;
  const lifetime = options.urlLifetimeMs ?? 3_600_000;
  const maxExpired = options.maxExpiredRetries ?? 3;
  const now = options.now ?? Date.now;
  const signal = options.signal ? { signal: options.signal } : {};
  const filePath = `/api/2.0/fs/files${encodePath(volumePath)}`;

  const initiated = await client.json<{ multipart_upload?: { session_token?: string } }>('POST', filePath, {
    query: { action: 'initiate-upload', overwrite: options.overwrite },
    ...signal,
  });
  const sessionToken = initiated.multipart_upload?.session_token;
  if (sessionToken === undefined) return false;
  const expireTime = (): string => new Date(now() + lifetime).toISOString().replace(/\.\d{3}Z$/, 'Z');

  try {
    const etags: { part_number: number; etag: string }[] = [];
    const partCount = Math.max(1, Math.ceil(data.byteLength / partSize));
    let partNumber = 1;
    let expiredInARow = 0;
    while (partNumber <= partCount) {
      const response = await client.json<{ upload_part_urls?: PresignedUrl[] }>('POST', '/api/2.0/fs/create-upload-part-urls', {
        json: { path: volumePath, session_token: sessionToken, start_part_number: partNumber, count: Math.min(batchSize, partCount - partNumber + 1), expire_time: expireTime() },
        ...signal,
      });
      const urls = response.upload_part_urls ?? [];
      if (urls.length === 0) throw new MlopsError('HTTP', `create-upload-part-urls for ${volumePath} returned no URLs`, { details: { path: volumePath } });
      for (const presigned of urls) {
        if (partNumber > partCount) break;
        throwIfAborted(options.signal);
        if (presigned.part_number !== partNumber) {
          throw new MlopsError('HTTP', `create-upload-part-urls for ${volumePath} returned part ${presigned.part_number} where part ${partNumber} was expected`, {
            details: { path: volumePath },
          });
        }
        const start = (partNumber - 1) * partSize;
        const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
        for (const header of presigned.headers ?? []) headers[header.name] = header.value;
        const request = { method: 'PUT' as const, url: presigned.url, headers, body: data.subarray(start, Math.min(start + partSize, data.byteLength)), ...signal };
        const put = await storage.send(request);
        if (put.status === 200 || put.status === 201) {
          etags.push({ part_number: partNumber, etag: put.headers.get('etag') ?? '' });
          partNumber++;
          expiredInARow = 0;
          continue;
        }
        if (isExpiredUrlResponse(put) && expiredInARow < maxExpired) {
          expiredInARow++;
          break; // ask for fresh URLs starting at this part
        }
        throw storageError(put, request, `Uploading part ${partNumber} of ${volumePath}`);
      }
    }
    await client.json('POST', filePath, {
      query: { action: 'complete-upload', upload_type: 'multipart', session_token: sessionToken },
      json: { parts: etags },
      ...signal,
    });
    return true;
  } catch (error) {
    await abortUpload(client, filePath, sessionToken).catch(() => undefined);
    throw error;
  }
}

async function abortUpload(client: DatabricksClient, filePath: string, sessionToken: string): Promise<void> {
  // As databricks-sdk's files mixin does: POST the file's Files API path with action=abort-upload.
  // Deliberately without the caller's signal: an aborted upload must still be cleaned up.
  await client.json('POST', filePath, { query: { action: 'abort-upload', upload_type: 'multipart', session_token: sessionToken } });
}
