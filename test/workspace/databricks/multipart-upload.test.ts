import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uploadMultipart } from '../../../src/workspace/databricks/multipart-upload.js';
import { FakeFiles } from '../../fakes/databricks/files.js';
import { patClient, useFakeDatabricks } from '../../fakes/databricks/helpers.js';

describe('uploadMultipart', () => {
  const startFake = useFakeDatabricks();

  it('asks for part URLs in batches and completes with every part’s ETag in order', async () => {
    const fake = await startFake();
    const { client, storage } = patClient(fake);
    const done = await uploadMultipart(client, storage, '/Volumes/c/s/v/f.bin', new Uint8Array(50).fill(1), { overwrite: true, partSize: 10, urlBatchSize: 2, now: () => Date.UTC(2030, 0, 1) });
    expect(done).toBe(true);
    const batches = fake.requests.filter((r) => r.path === '/api/2.0/fs/create-upload-part-urls').map((r) => JSON.parse(new TextDecoder().decode(r.body)) as Record<string, unknown>);
    expect(batches.map((b) => [b.start_part_number, b.count])).toEqual([
      [1, 2],
      [3, 2],
      [5, 1],
    ]);
    expect(batches[0]).toMatchObject({ path: '/Volumes/c/s/v/f.bin', expire_time: '2030-01-01T01:00:00Z' });
    expect(fake.requests.filter(FakeFiles.isPartUpload)).toHaveLength(5);
    const complete = fake.requests.find((r) => r.query.get('action') === 'complete-upload')!;
    expect((JSON.parse(new TextDecoder().decode(complete.body)) as { parts: { part_number: number; etag: string }[] }).parts.map((p) => p.part_number)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps an existing file when overwrite is false (refused at completion) and aborts the session', async () => {
    const fake = await startFake();
    await mkdir(join(fake.files.root, 'Volumes/c/s/v'), { recursive: true });
    await writeFile(join(fake.files.root, 'Volumes/c/s/v/f.bin'), 'old');
    const { client, storage } = patClient(fake);
    await expect(uploadMultipart(client, storage, '/Volumes/c/s/v/f.bin', new Uint8Array(30), { overwrite: false, partSize: 10 })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(fake.files.abortedUploads).toBe(1);
  });

  it('gives up on a part whose fresh URLs keep expiring', async () => {
    const fake = await startFake();
    const { client, storage } = patClient(fake);
    fake.cloud.expireNext(100);
    await expect(uploadMultipart(client, storage, '/Volumes/c/s/v/g.bin', new Uint8Array(20), { overwrite: true, partSize: 10, maxExpiredRetries: 2 })).rejects.toMatchObject({
      serverCode: 'URL_EXPIRED',
    });
    expect(fake.requests.filter((r) => r.path === '/api/2.0/fs/create-upload-part-urls')).toHaveLength(3);
  });
});
