import { createHmac, randomBytes } from 'node:crypto';
import type { FakeResponse, RecordedRequest } from './http.js';

/**
 * Cloud storage behind presigned URLs, as the workspace hands them out. Each URL carries a
 * signature the fake remembers (what it covers, until when, which methods); requests are checked
 * like S3 / Azure check them: an Authorization header next to the signature is refused, an expired
 * signature gets the provider's own 403 XML, and the path must lie under what was signed.
 */
export type CloudStyle = 'azure' | 's3';

interface Grant {
  prefix: string;
  expiresAt: number;
  methods: Set<string>;
  style: CloudStyle;
}

export class CloudStorage {
  readonly objects = new Map<string, Uint8Array>();
  /** Azure blocks staged but not yet committed: blob key → block id → bytes. */
  readonly stagedBlocks = new Map<string, Map<string, Uint8Array>>();
  readonly #grants = new Map<string, Grant>();
  readonly #dfs = new Map<string, Uint8Array>();
  readonly #secret = randomBytes(16);
  #expireNext = 0;
  baseUrl = '';

  /** The next `count` signed URLs are born expired (to test refresh of expired URLs). */
  expireNext(count: number): void {
    this.#expireNext += count;
  }

  /** Signs `path` (a route under /_azure/ or /_s3/) for `methods`; prefix=true signs everything below it. */
  sign(path: string, methods: string[], options: { lifetimeMs?: number; style: CloudStyle; prefix?: boolean }): string {
    const sig = createHmac('sha256', this.#secret).update(`${path}\n${randomBytes(8).toString('hex')}`).digest('base64url');
    let expiresAt = Date.now() + (options.lifetimeMs ?? 900_000);
    if (this.#expireNext > 0) {
      this.#expireNext--;
      expiresAt = Date.now() - 1000;
    }
    this.#grants.set(sig, { prefix: options.prefix ? path.replace(/\/?$/, '/') : path, expiresAt, methods: new Set(methods), style: options.style });
    return this.#query(sig, expiresAt, methods, options.style);
  }

  /** An Azure SAS token (no leading ?) for a whole directory, as UC temporary credentials give. */
  sasFor(prefix: string, methods: string[]): string {
    return this.sign(prefix, methods, { style: 'azure', prefix: true });
  }

  url(path: string, methods: string[], style: CloudStyle, lifetimeMs?: number): string {
    return `${this.baseUrl}${path}?${this.sign(path, methods, { style, ...(lifetimeMs !== undefined ? { lifetimeMs } : {}) })}`;
  }

  #query(sig: string, expiresAt: number, methods: string[], style: CloudStyle): string {
    if (style === 'azure') {
      const sp = [methods.includes('GET') ? 'r' : '', methods.includes('PUT') ? 'cw' : '', methods.includes('DELETE') ? 'd' : ''].join('');
      return new URLSearchParams({ sv: '2022-11-02', se: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'), sr: 'b', sp, sig }).toString();
    }
    return new URLSearchParams({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Date': new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''),
      'X-Amz-Expires': String(Math.max(0, Math.round((expiresAt - Date.now()) / 1000))),
      'X-Amz-Signature': sig,
    }).toString();
  }

  /** undefined when the request may proceed; otherwise the provider's refusal. */
  check(request: RecordedRequest, style: CloudStyle): FakeResponse | undefined {
    if (request.headers.authorization !== undefined) {
      return style === 'azure'
        ? xml(400, 'InvalidAuthenticationInfo', 'Authentication information is not given in the correct format. A SAS signature and an Authorization header were both sent.')
        : xml(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified');
    }
    const sig = request.query.get(style === 'azure' ? 'sig' : 'X-Amz-Signature');
    const grant = sig === null ? undefined : this.#grants.get(sig);
    if (grant === undefined || grant.style !== style) {
      return style === 'azure' ? xml(403, 'AuthenticationFailed', 'Server failed to authenticate the request.') : xml(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    }
    const covered = grant.prefix.endsWith('/') ? request.path.startsWith(grant.prefix) : request.path === grant.prefix;
    if (!covered || !grant.methods.has(request.method === 'HEAD' ? 'GET' : request.method)) {
      return style === 'azure' ? xml(403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.') : xml(403, 'AccessDenied', 'Access Denied');
    }
    if (Date.now() > grant.expiresAt) {
      return style === 'azure'
        ? xml(403, 'AuthenticationFailed', 'Server failed to authenticate the request.', '<AuthenticationErrorDetail>Signature not valid in the specified time frame</AuthenticationErrorDetail>')
        : xml(403, 'AccessDenied', 'Request has expired');
    }
    return undefined;
  }

  /** Azure Blob service semantics for /_azure/<account>/<container>/<path>: Put Blob, Put Block, Put Block List, Get Blob. */
  azure(request: RecordedRequest, key: string): FakeResponse {
    const comp = request.query.get('comp');
    // ADLS Gen2 (dfs endpoint): create the file, append at positions, flush to commit.
    if (request.method === 'PUT' && request.query.get('resource') === 'file') {
      this.#dfs.set(key, new Uint8Array());
      return { status: 201, body: '' };
    }
    const action = request.query.get('action');
    if (request.method === 'PATCH' && (action === 'append' || action === 'flush')) {
      const pending = this.#dfs.get(key);
      if (pending === undefined) return xml(404, 'PathNotFound', 'The specified path does not exist.');
      const position = Number(request.query.get('position'));
      if (position !== pending.byteLength && action === 'append') return xml(400, 'InvalidFlushPosition', 'The uploaded data is not contiguous.');
      if (action === 'append') {
        this.#dfs.set(key, new Uint8Array(Buffer.concat([pending, request.body])));
        return { status: 202, body: '' };
      }
      if (position !== pending.byteLength) return xml(400, 'InvalidFlushPosition', 'The position must equal the length of the file after all data has been written.');
      this.objects.set(key, pending);
      this.#dfs.delete(key);
      return { status: 200, body: '' };
    }
    if (request.method === 'PUT' && comp === 'block') {
      const id = request.query.get('blockid') ?? '';
      const blocks = this.stagedBlocks.get(key) ?? new Map<string, Uint8Array>();
      blocks.set(id, request.body);
      this.stagedBlocks.set(key, blocks);
      return { status: 201, body: '' };
    }
    if (request.method === 'PUT' && comp === 'blocklist') {
      const text = new TextDecoder().decode(request.body);
      const ids = [...text.matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map((m) => m[1] ?? '');
      const blocks = this.stagedBlocks.get(key) ?? new Map<string, Uint8Array>();
      const parts: Uint8Array[] = [];
      for (const id of ids) {
        const block = blocks.get(id);
        if (block === undefined) return xml(400, 'InvalidBlockList', 'The specified block list is invalid.');
        parts.push(block);
      }
      this.objects.set(key, new Uint8Array(Buffer.concat(parts)));
      this.stagedBlocks.delete(key);
      return { status: 201, headers: { etag: `"${Date.now()}"` }, body: '' };
    }
    if (request.method === 'PUT') {
      if (request.headers['x-ms-blob-type'] !== 'BlockBlob') return xml(400, 'MissingRequiredHeader', 'An HTTP header that\'s mandatory for this request is not specified. x-ms-blob-type');
      this.objects.set(key, request.body);
      return { status: 201, headers: { etag: `"${Date.now()}"` }, body: '' };
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      const data = this.objects.get(key);
      if (data === undefined) return xml(404, 'BlobNotFound', 'The specified blob does not exist.');
      return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: data };
    }
    return xml(405, 'UnsupportedHttpVerb', 'The resource doesn\'t support specified Http Verb.');
  }

  /** S3 object semantics for /_s3/<key>: PUT object (returns an ETag), GET object. */
  s3(request: RecordedRequest, key: string): FakeResponse {
    if (request.method === 'PUT') {
      this.objects.set(key, request.body);
      return { status: 200, headers: { etag: `"${createHmac('md5', 'etag').update(request.body).digest('hex')}"` }, body: '' };
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      const data = this.objects.get(key);
      if (data === undefined) return xml(404, 'NoSuchKey', 'The specified key does not exist.');
      return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: data };
    }
    if (request.method === 'DELETE') {
      this.objects.delete(key);
      return { status: 204 };
    }
    return xml(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }
}

export function xml(status: number, code: string, message: string, extra = ''): FakeResponse {
  return {
    status,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message>${extra}</Error>`,
  };
}
