import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import type { CloudStorage } from './cloud.js';
import { apiError, empty, json, type FakeRequest, type FakeResponse, type RecordedRequest } from './http.js';

interface UploadSession {
  path: string;
  overwrite: boolean;
  parts: Map<number, { etag: string; data: Uint8Array }>;
}

/**
 * The Files API (/api/2.0/fs/…) over a real folder: /Volumes/c/s/v/x lives at <root>/Volumes/c/s/v/x,
 * so the SQL engine behind the fake can read what was uploaded. Multipart uploads hand out
 * presigned part URLs on the fake cloud storage.
 */
export class FakeFiles {
  readonly root: string;
  readonly #cloud: CloudStorage;
  readonly #sessions = new Map<string, UploadSession>();
  /** What initiate-upload offers: a multipart session (AWS/Azure), a resumable one (GCP), or nothing. */
  uploadMode: 'multipart' | 'resumable' = 'multipart';
  /** Completed multipart uploads, for tests. */
  completedMultipartUploads = 0;
  abortedUploads = 0;

  constructor(root: string, cloud: CloudStorage) {
    this.root = root;
    this.#cloud = cloud;
  }

  local(volumePath: string): string | undefined {
    if (!volumePath.startsWith('/Volumes/')) return undefined;
    const segments = volumePath.split('/').filter((s) => s !== '');
    if (segments.some((s) => s === '..' || s === '.')) return undefined;
    return path.join(this.root, ...segments);
  }

  async files(req: FakeRequest, filePath: string): Promise<FakeResponse> {
    const local = this.local(filePath);
    if (local === undefined) return apiError(400, 'INVALID_PARAMETER_VALUE', `Path ${filePath} is not a Unity Catalog volume path (/Volumes/<catalog>/<schema>/<volume>/...)`);
    const action = req.query.get('action');
    if (req.method === 'POST' && action === 'initiate-upload') return this.#initiate(filePath, req.query.get('overwrite') === 'true');
    if (req.method === 'POST' && action === 'complete-upload') return this.#complete(req, filePath, local);
    if (req.method === 'POST' && action === 'abort-upload') return this.#abort(req, filePath);
    const stats = await fs.stat(local).catch(() => undefined);
    switch (req.method) {
      case 'PUT': {
        if (stats?.isDirectory()) return apiError(409, 'ALREADY_EXISTS', `A directory exists at ${filePath}.`);
        if (stats !== undefined && req.query.get('overwrite') !== 'true') return apiError(409, 'ALREADY_EXISTS', 'The file being created already exists.');
        await writeAtomically(local, req.body);
        return { status: 204 };
      }
      case 'GET':
      case 'HEAD': {
        if (stats === undefined || !stats.isFile()) return apiError(404, 'NOT_FOUND', 'The file being accessed is not found.');
        const headers = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', 'last-modified': stats.mtime.toUTCString() };
        const range = req.method === 'GET' ? byteRange(req.headers.range, stats.size) : undefined;
        if (range === 'unsatisfiable') return { status: 416, headers: { ...headers, 'content-range': `bytes */${stats.size}` }, body: '' };
        if (range !== undefined) {
          return {
            status: 206,
            headers: { ...headers, 'content-length': String(range.last - range.first + 1), 'content-range': `bytes ${range.first}-${range.last}/${stats.size}` },
            body: await readBytes(local, range.first, range.last + 1),
          };
        }
        const data = req.method === 'GET' ? new Uint8Array(await fs.readFile(local)) : new Uint8Array();
        return { status: 200, headers: { ...headers, 'content-length': String(stats.size) }, body: data };
      }
      case 'DELETE': {
        if (stats === undefined || !stats.isFile()) return apiError(404, 'NOT_FOUND', 'The file being accessed is not found.');
        await fs.rm(local);
        return { status: 204 };
      }
      default:
        return apiError(405, 'ENDPOINT_NOT_FOUND', `${req.method} is not supported on /api/2.0/fs/files`);
    }
  }

  async directories(req: FakeRequest, dirPath: string): Promise<FakeResponse> {
    const local = this.local(dirPath);
    if (local === undefined) return apiError(400, 'INVALID_PARAMETER_VALUE', `Path ${dirPath} is not a Unity Catalog volume path`);
    const stats = await fs.stat(local).catch(() => undefined);
    const isDirectory = stats?.isDirectory() === true;
    switch (req.method) {
      case 'HEAD':
        return isDirectory ? { status: 200 } : { status: 404 };
      case 'PUT': {
        // mkdirs: every missing parent is created; a file anywhere on the way is a conflict.
        const segments = dirPath.split('/').filter((s) => s !== '');
        for (let i = 1; i <= segments.length; i++) {
          const at = path.join(this.root, ...segments.slice(0, i));
          const s = await fs.stat(at).catch(() => undefined);
          if (s?.isFile()) return apiError(409, 'RESOURCE_ALREADY_EXISTS', `A file exists at /${segments.slice(0, i).join('/')}, so the directory cannot be created.`);
        }
        await fs.mkdir(local, { recursive: true });
        return { status: 204 };
      }
      case 'DELETE': {
        if (!isDirectory) return apiError(404, 'NOT_FOUND', 'The directory being accessed is not found.');
        if ((await fs.readdir(local)).length > 0) return apiError(400, 'BAD_REQUEST', `The directory ${dirPath} is not empty.`);
        await fs.rmdir(local);
        return { status: 204 };
      }
      case 'GET': {
        if (!isDirectory) return apiError(404, 'NOT_FOUND', 'The directory being accessed is not found.');
        const names = (await fs.readdir(local)).sort().reverse(); // no order is documented: do not let clients rely on one
        const pageSize = Math.min(Number(req.query.get('page_size') ?? 1000) || 1000, 1000);
        const start = Number(req.query.get('page_token') ? Buffer.from(req.query.get('page_token')!, 'base64url').toString() : '0');
        const page = names.slice(start, start + pageSize);
        const contents = [];
        for (const name of page) {
          const s = await fs.stat(path.join(local, name)).catch(() => undefined);
          if (s === undefined) continue;
          const entry: Record<string, unknown> = { path: `${dirPath.replace(/\/+$/, '')}/${name}`, is_directory: s.isDirectory(), name };
          if (!s.isDirectory()) {
            entry.file_size = s.size;
            entry.last_modified = Math.floor(s.mtimeMs);
          }
          contents.push(entry);
        }
        const next = start + pageSize < names.length ? Buffer.from(String(start + pageSize)).toString('base64url') : undefined;
        return json({ contents, ...(next ? { next_page_token: next } : {}) });
      }
      default:
        return apiError(405, 'ENDPOINT_NOT_FOUND', `${req.method} is not supported on /api/2.0/fs/directories`);
    }
  }

  #initiate(filePath: string, overwrite: boolean): FakeResponse {
    if (this.uploadMode === 'resumable') return json({ resumable_upload: { session_token: randomUUID() } });
    const token = randomUUID();
    this.#sessions.set(token, { path: filePath, overwrite, parts: new Map() });
    return json({ multipart_upload: { session_token: token } });
  }

  createUploadPartUrls(req: FakeRequest): FakeResponse {
    const session = this.#sessions.get(String(req.json.session_token));
    if (session === undefined || session.path !== req.json.path) return apiError(400, 'INVALID_PARAMETER_VALUE', 'Unknown upload session for this path.');
    const start = Number(req.json.start_part_number);
    const count = Number(req.json.count);
    if (!Number.isInteger(start) || start < 1 || !Number.isInteger(count) || count < 1) return apiError(400, 'INVALID_PARAMETER_VALUE', 'start_part_number and count must be positive integers.');
    if (typeof req.json.expire_time !== 'string' || Number.isNaN(Date.parse(req.json.expire_time))) return apiError(400, 'INVALID_PARAMETER_VALUE', 'expire_time must be an RFC 3339 timestamp.');
    const urls = Array.from({ length: count }, (_, i) => ({
      url: this.#cloud.url(`/_s3/fsparts/${req.json.session_token}/${start + i}`, ['PUT'], 's3'),
      part_number: start + i,
      headers: [{ name: 'x-amz-server-side-encryption', value: 'AES256' }],
    }));
    return json({ upload_part_urls: urls });
  }

  /** The presigned PUT target of one part (called by the server's /_s3 route). */
  storePart(session: string, part: number, data: Uint8Array): FakeResponse | undefined {
    const upload = this.#sessions.get(session);
    if (upload === undefined) return undefined;
    const etag = `"etag-${part}-${data.byteLength}"`;
    upload.parts.set(part, { etag, data });
    return { status: 200, headers: { etag }, body: '' };
  }

  abortSession(session: string): boolean {
    this.abortedUploads++;
    return this.#sessions.delete(session);
  }

  async #complete(req: FakeRequest, filePath: string, local: string): Promise<FakeResponse> {
    const token = req.query.get('session_token') ?? '';
    const session = this.#sessions.get(token);
    if (session === undefined || session.path !== filePath || req.query.get('upload_type') !== 'multipart') {
      return apiError(400, 'INVALID_PARAMETER_VALUE', 'Unknown upload session for this path.');
    }
    const parts = Array.isArray(req.json.parts) ? (req.json.parts as { part_number: number; etag: string }[]) : [];
    const chunks: Uint8Array[] = [];
    for (const [index, part] of parts.entries()) {
      const stored = session.parts.get(part.part_number);
      if (part.part_number !== index + 1 || stored === undefined || stored.etag !== part.etag) {
        return apiError(400, 'INVALID_PARAMETER_VALUE', `Part ${part.part_number} was not uploaded with ETag ${part.etag}.`);
      }
      chunks.push(stored.data);
    }
    const exists = await fs.stat(local).catch(() => undefined);
    if (exists !== undefined && !session.overwrite) return apiError(409, 'ALREADY_EXISTS', 'The file being created already exists.');
    await writeAtomically(local, new Uint8Array(Buffer.concat(chunks)));
    this.#sessions.delete(token);
    this.completedMultipartUploads++;
    return empty();
  }

  #abort(req: FakeRequest, filePath: string): FakeResponse {
    const token = req.query.get('session_token') ?? '';
    const session = this.#sessions.get(token);
    if (session === undefined || session.path !== filePath || req.query.get('upload_type') !== 'multipart') {
      return apiError(400, 'INVALID_PARAMETER_VALUE', 'Unknown upload session for this path.');
    }
    this.abortSession(token);
    return empty();
  }

  /** Whether a recorded request is one of the part PUTs (for assertions). */
  static isPartUpload(request: RecordedRequest): boolean {
    return request.path.startsWith('/_s3/fsparts/');
  }
}

/**
 * A GET's Range header as RFC 9110 §14 reads it against a file of `size` bytes: `bytes=a-b` (b cut
 * to the last byte), `bytes=a-` or a suffix `bytes=-n`. undefined means answer 200 with the whole
 * file, which the RFC allows for a header that is absent, malformed, or asks for several ranges
 * (a multipart/byteranges answer the fake does not make).
 */
function byteRange(header: string | undefined, size: number): { first: number; last: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (match === null || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { first: Math.max(0, size - suffix), last: size - 1 };
  }
  const first = Number(match[1]);
  const last = match[2] === '' ? size - 1 : Number(match[2]);
  if (last < first) return undefined;
  if (first >= size) return 'unsatisfiable';
  return { first, last: Math.min(last, size - 1) };
}

async function readBytes(file: string, start: number, end: number): Promise<Uint8Array> {
  const handle = await fs.open(file, 'r');
  try {
    const bytes = new Uint8Array(end - start);
    const { bytesRead } = await handle.read(bytes, 0, bytes.byteLength, start);
    return bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function writeAtomically(file: string, data: Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.upload-${randomUUID()}`);
  await fs.writeFile(temp, data);
  await fs.rename(temp, file);
}
