import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PatCredentials } from '../../../src/workspace/databricks/credentials.js';
import { DatabricksClient } from '../../../src/workspace/databricks/http-client.js';
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
    const abort = fake.requests.find((r) => r.query.get('action') === 'abort-upload')!;
    expect(abort.method).toBe('POST');
    expect(abort.path).toBe(`/api/2.0/fs/files${ROOT}/fail.bin`);
    expect(abort.query.get('upload_type')).toBe('multipart');
  });

  it('reads a byte range with one GET carrying Range: bytes=<first>-<last> (inclusive), answered 206', async () => {
    const fake = await startFake();
    const volumes = store(fake);
    const data = new Uint8Array(300).map((_, i) => i % 251);
    await volumes.write(`${ROOT}/r.bin`, data);
    fake.requests.length = 0;
    expect([...(await volumes.readRange(`${ROOT}/r.bin`, 100, 150))]).toEqual([...data.subarray(100, 150)]);
    expect(fake.requests.map((r) => [r.method, r.path, r.headers.range])).toEqual([['GET', '/api/2.0/fs/files/Volumes/main/iris/raw/r.bin', 'bytes=100-149']]);
    fake.requests.length = 0;
    // Past the end: the server cuts the range at the last byte; at or past the end: 416, which is no bytes.
    expect([...(await volumes.readRange(`${ROOT}/r.bin`, 290, 400))]).toEqual([...data.subarray(290)]);
    expect([...(await volumes.readRange(`${ROOT}/r.bin`, 300, 400))]).toEqual([]);
    expect(fake.requests.map((r) => r.headers.range)).toEqual(['bytes=290-399', 'bytes=300-399']);
  });

  it('the fake Files API answers Range as RFC 9110 says: 206 with Content-Range, suffix and open ranges, 416 when unsatisfiable, 200 for several ranges', async () => {
    const fake = await startFake();
    await store(fake).write(`${ROOT}/r.bin`, new Uint8Array(10).map((_, i) => i));
    const get = async (range: string) => {
      const response = await fetch(`${fake.url}/api/2.0/fs/files${ROOT}/r.bin`, { headers: { Authorization: `Bearer ${fake.token}`, Range: range } });
      return { status: response.status, contentRange: response.headers.get('content-range'), body: [...new Uint8Array(await response.arrayBuffer())] };
    };
    expect(await get('bytes=2-4')).toEqual({ status: 206, contentRange: 'bytes 2-4/10', body: [2, 3, 4] });
    expect(await get('bytes=8-')).toEqual({ status: 206, contentRange: 'bytes 8-9/10', body: [8, 9] });
    expect(await get('bytes=-3')).toEqual({ status: 206, contentRange: 'bytes 7-9/10', body: [7, 8, 9] });
    expect(await get('bytes=7-99')).toEqual({ status: 206, contentRange: 'bytes 7-9/10', body: [7, 8, 9] });
    expect(await get('bytes=10-12')).toMatchObject({ status: 416, contentRange: 'bytes */10' });
    expect(await get('bytes=0-1,4-5')).toMatchObject({ status: 200, contentRange: null, body: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
  });

  it('takes the range out of a 200 with the whole file (a server or proxy that ignores Range), and refuses a 206 for other bytes', async () => {
    const fake = await startFake();
    const data = new Uint8Array(64).map((_, i) => i);
    await store(fake).write(`${ROOT}/r.bin`, data);
    const dropRange: typeof fetch = (input, init) => {
      const headers = { ...(init?.headers as Record<string, string>) };
      delete headers.Range;
      return fetch(input, { ...init, headers });
    };
    const ignoring = new DatabricksVolumeStore({ ...patClient(fake), client: new DatabricksClient({ host: fake.url, credentials: new PatCredentials(fake.token), fetch: dropRange }) });
    expect([...(await ignoring.readRange(`${ROOT}/r.bin`, 10, 20))]).toEqual([...data.subarray(10, 20)]);
    expect([...(await ignoring.readRange(`${ROOT}/r.bin`, 60, 100))]).toEqual([...data.subarray(60)]);
    const gets = fake.requests.filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.headers.range)).toEqual([undefined, undefined]);
    const wrongBytes: typeof fetch = async () => new Response(new Uint8Array(10), { status: 206, headers: { 'content-range': 'bytes 0-9/64' } });
    const wrong = new DatabricksVolumeStore({ ...patClient(fake), client: new DatabricksClient({ host: fake.url, credentials: new PatCredentials(fake.token), fetch: wrongBytes }) });
    await expect(wrong.readRange(`${ROOT}/r.bin`, 10, 20)).rejects.toMatchObject({ code: 'HTTP', message: expect.stringMatching(/Range bytes=10-19 answered 206 with Content-Range bytes 0-9\/64/) });
  });

  it('falls back to one PUT when the workspace offers no multipart session', async () => {
    const fake = await startFake();
    fake.files.uploadMode = 'resumable';
    const volumes = store(fake, { multipartThreshold: 10 });
    await volumes.write(`${ROOT}/r.bin`, new Uint8Array(50).fill(1));
    expect((await volumes.read(`${ROOT}/r.bin`)).byteLength).toBe(50);
  });
});
