import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabricksVolumeStore } from '../../../src/workspace/databricks/volumes.js';
import type { VolumeEntry } from '../../../src/workspace/types.js';
import { patClient, recordingSleep, useFakeDatabricks } from '../../fakes/databricks/helpers.js';
import { FakeFiles } from '../../fakes/databricks/files.js';
import type { FakeDatabricks } from '../../fakes/databricks/server.js';

const ROOT = '/Volumes/main/iris/raw';

async function collect(iterable: AsyncIterable<VolumeEntry>): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of iterable) out.push(entry.path);
  return out;
}

describe('DatabricksVolumeStore (Files API)', () => {
  const startFake = useFakeDatabricks();

  function store(fake: FakeDatabricks, options: { multipartThreshold?: number; multipartPartSize?: number; pageSize?: number } = {}) {
    const { sleep } = recordingSleep();
    const { client, storage } = patClient(fake, sleep);
    return new DatabricksVolumeStore({ client, storage, ...options });
  }

  it('puts, gets, heads and deletes files with the documented requests', async () => {
    const fake = await startFake();
    const volumes = store(fake);
    await volumes.write(`${ROOT}/a b/data.csv`, 'x,y\n1,2\n');
    expect(new TextDecoder().decode(await volumes.read(`${ROOT}/a b/data.csv`))).toBe('x,y\n1,2\n');
    const put = fake.requests.find((r) => r.method === 'PUT' && r.path.startsWith('/api/2.0/fs/files/'))!;
    expect(put.path).toBe('/api/2.0/fs/files/Volumes/main/iris/raw/a b/data.csv');
    expect(put.query.get('overwrite')).toBe('true');
    expect(put.headers['content-type']).toBe('application/octet-stream');

    const stat = await volumes.stat(`${ROOT}/a b/data.csv`);
    expect(stat).toMatchObject({ path: `${ROOT}/a b/data.csv`, isDirectory: false, size: 8 });
    expect(stat!.modifiedAt).toBeGreaterThan(0);
    expect(await volumes.stat(`${ROOT}/a b`)).toMatchObject({ isDirectory: true });
    expect(await volumes.exists(`${ROOT}/nope`)).toBe(false);

    await volumes.delete(`${ROOT}/a b/data.csv`);
    expect(await volumes.exists(`${ROOT}/a b/data.csv`)).toBe(false);
    await expect(volumes.read(`${ROOT}/a b/data.csv`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses to replace a file when overwrite is false', async () => {
    const fake = await startFake();
    const volumes = store(fake);
    await volumes.write(`${ROOT}/f.txt`, 'one');
    await expect(volumes.write(`${ROOT}/f.txt`, 'two', { overwrite: false })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(new TextDecoder().decode(await volumes.read(`${ROOT}/f.txt`))).toBe('one');
  });

  it('lists a directory across pages, sorted, and recursively', async () => {
    const fake = await startFake();
    const volumes = store(fake, { pageSize: 2 });
    for (const name of ['c.txt', 'a.txt', 'sub/x.txt', 'sub/deeper/y.txt', 'b.txt']) await volumes.write(`${ROOT}/dir/${name}`, name);
    expect(await collect(volumes.list(`${ROOT}/dir`))).toEqual(['a.txt', 'b.txt', 'c.txt', 'sub'].map((n) => `${ROOT}/dir/${n}`));
    expect(await collect(volumes.list(`${ROOT}/dir`, { recursive: true }))).toEqual(
      ['a.txt', 'b.txt', 'c.txt', 'sub/deeper/y.txt', 'sub/x.txt'].map((n) => `${ROOT}/dir/${n}`),
    );
    const pages = fake.requests.filter((r) => r.method === 'GET' && r.path === `/api/2.0/fs/directories${ROOT}/dir`);
    expect(pages.length).toBe(4); // two listings of two pages each
    expect(pages[1]!.query.get('page_token')).toBeTruthy();
    expect(pages.every((p) => p.query.get('page_size') === '2')).toBe(true);
  });

  it('says NOT_FOUND for a missing directory and INVALID_ARGUMENT for a file', async () => {
    const fake = await startFake();
    const volumes = store(fake);
    await volumes.write(`${ROOT}/f.txt`, 'one');
    await expect(collect(volumes.list(`${ROOT}/missing`))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(collect(volumes.list(`${ROOT}/f.txt`))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('mkdirs creates parents; deleting a directory removes its whole tree', async () => {
    const fake = await startFake();
    const volumes = store(fake);
    await volumes.mkdirs(`${ROOT}/x/y/z`);
    expect(await volumes.stat(`${ROOT}/x/y/z`)).toMatchObject({ isDirectory: true });
    await volumes.write(`${ROOT}/x/y/file`, '1');
    await volumes.write(`${ROOT}/x/y/z/file`, '2');
    await volumes.delete(`${ROOT}/x`);
    expect(await volumes.exists(`${ROOT}/x`)).toBe(false);
    await volumes.delete(`${ROOT}/never-there`);
    await expect(volumes.mkdirs(`${ROOT}/x2/file/sub`).then(() => volumes.write(`${ROOT}/x2/file`, 'f'))).rejects.toBeDefined();
    await volumes.write(`${ROOT}/plain`, 'p');
    await expect(volumes.mkdirs(`${ROOT}/plain/sub`)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(volumes.delete(ROOT)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('uploads above the threshold through presigned part URLs without the Authorization header', async () => {
    const fake = await startFake();
    const volumes = store(fake, { multipartThreshold: 1000, multipartPartSize: 400 });
    const data = new Uint8Array(1500).map((_, i) => i % 251);
    await volumes.write(`${ROOT}/big.bin`, data);

    expect(Buffer.compare(await readFile(join(fake.files.root, 'Volumes/main/iris/raw/big.bin')), Buffer.from(data))).toBe(0);
    const parts = fake.requests.filter(FakeFiles.isPartUpload);
    expect(parts).toHaveLength(4);
    for (const part of parts) {
      expect(part.headers.authorization).toBeUndefined();
      expect(part.headers['x-amz-server-side-encryption']).toBe('AES256');
    }
    const initiate = fake.requests.find((r) => r.query.get('action') === 'initiate-upload')!;
    expect(initiate.query.get('overwrite')).toBe('true');
    const complete = fake.requests.find((r) => r.query.get('action') === 'complete-upload')!;
    expect(complete.query.get('upload_type')).toBe('multipart');
    expect((JSON.parse(new TextDecoder().decode(complete.body)) as { parts: unknown[] }).parts).toHaveLength(4);
    expect(fake.files.completedMultipartUploads).toBe(1);
    // Workspace API calls still carry the token.
    expect(initiate.headers.authorization).toBe(`Bearer ${fake.token}`);
  });

  it('asks for fresh URLs when a presigned URL has expired (403 from storage)', async () => {
    const fake = await startFake();
    const volumes = store(fake, { multipartThreshold: 100, multipartPartSize: 100 });
    fake.cloud.expireNext(1);
    await volumes.write(`${ROOT}/exp.bin`, new Uint8Array(250).fill(7));
    expect(fake.files.completedMultipartUploads).toBe(1);
    const urlRequests = fake.requests.filter((r) => r.path === '/api/2.0/fs/create-upload-part-urls');
    expect(urlRequests.map((r) => (JSON.parse(new TextDecoder().decode(r.body)) as { start_part_number: number }).start_part_number)).toEqual([1, 1]);
    const refused = fake.requests.filter(FakeFiles.isPartUpload);
    expect(refused).toHaveLength(4); // one expired, then three good parts
    expect((await readFile(join(fake.files.root, 'Volumes/main/iris/raw/exp.bin'))).byteLength).toBe(250);
  });

  it('aborts the upload session when a part cannot be stored', async () => {
    const fake = await startFake();
    const volumes = store(fake, { multipartThreshold: 100, multipartPartSize: 100 });
    fake.faults.add({ path: '/_s3/fsparts/*', status: 400, after: 1, errorCode: 'EntityTooSmall' });
    await expect(volumes.write(`${ROOT}/fail.bin`, new Uint8Array(300))).rejects.toMatchObject({ status: 400 });
    expect(fake.files.abortedUploads).toBe(1);
    expect(await volumes.exists(`${ROOT}/fail.bin`)).toBe(false);
    const abort = fake.requests.find((r) => r.path.startsWith('/_s3/fsabort/'))!;
    expect(abort.method).toBe('DELETE');
    expect(abort.headers.authorization).toBeUndefined();
  });

  it('falls back to one PUT when the workspace offers no multipart session', async () => {
    const fake = await startFake();
    fake.files.uploadMode = 'resumable';
    const volumes = store(fake, { multipartThreshold: 10 });
    await volumes.write(`${ROOT}/r.bin`, new Uint8Array(50).fill(1));
    expect((await volumes.read(`${ROOT}/r.bin`)).byteLength).toBe(50);
  });
});
