import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { logRoute } from '../../helpers/route-log.js';
import { apiRoute, templatePattern } from './api-routes.js';
import { CloudStorage } from './cloud.js';
import { Faults } from './faults.js';
import { FakeFiles } from './files.js';
import { apiError, empty, json, parseJson, readBody, send, type FakeRequest, type FakeResponse, type RecordedRequest } from './http.js';
import { FakeMlflow } from './mlflow.js';
import { FakeSql } from './sql.js';
import { FakeUnityCatalog } from './uc.js';

export interface FakeDatabricksOptions {
  /** Folder that holds /Volumes/… files (the SQL engine reads them from there). */
  dataDir: string;
  /** The personal access token the fake accepts; default a random dapi… token. */
  token?: string;
  /** OAuth M2M service principal the fake accepts. */
  oauthClient?: { clientId: string; clientSecret: string };
  /** Lifetime of issued OAuth tokens in seconds; default 3600. */
  oauthTokenLifetime?: number;
  userName?: string;
  warehouseId?: string;
}

type Handler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
  /** Cloud storage and OIDC routes do not take the workspace token. */
  public?: boolean;
  /** For routes of the Databricks contract: the template in api-routes.generated.ts. */
  template?: string;
}

/**
 * An in-process Databricks workspace on 127.0.0.1 (port 0) that follows the documented REST API:
 * paths, methods, query parameters, JSON field names, status codes and `{error_code, message}`
 * bodies, plus the cloud storage behind presigned URLs. Tests inject faults (429 with Retry-After,
 * 503, expired URLs, statements that stay PENDING/RUNNING or FAIL, missing privileges) and read
 * the request log.
 */
export class FakeDatabricks {
  readonly token: string;
  readonly userName: string;
  readonly warehouseId: string;
  readonly faults = new Faults();
  readonly cloud = new CloudStorage();
  readonly files: FakeFiles;
  readonly sql: FakeSql;
  readonly mlflow: FakeMlflow;
  readonly uc: FakeUnityCatalog;
  readonly requests: RecordedRequest[] = [];
  oauthTokensIssued = 0;
  readonly #options: FakeDatabricksOptions;
  readonly #oauthTokens = new Map<string, number>();
  readonly #routes: Route[] = [];
  #server: Server | undefined;
  url = '';

  private constructor(options: FakeDatabricksOptions) {
    this.#options = options;
    this.token = options.token ?? `dapi${randomBytes(16).toString('hex')}`;
    this.userName = options.userName ?? 'first.last@example.com';
    this.warehouseId = options.warehouseId ?? '0123456789abcdef';
    this.files = new FakeFiles(options.dataDir, this.cloud);
    this.sql = new FakeSql(options.dataDir, this.cloud);
    this.sql.warehouses.add(this.warehouseId);
    this.mlflow = new FakeMlflow(this.cloud, () => this.userName);
    this.mlflow.addUserHome(this.userName);
    this.uc = new FakeUnityCatalog(this.cloud, () => this.userName);
    this.#defineRoutes();
  }

  static async start(options: FakeDatabricksOptions): Promise<FakeDatabricks> {
    await fs.mkdir(options.dataDir, { recursive: true });
    const fake = new FakeDatabricks(options);
    const server = createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
        const body = await readBody(req);
        const recorded: RecordedRequest = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, headers, body };
        fake.requests.push(recorded);
        let response: FakeResponse;
        try {
          response = await fake.#handle(recorded);
        } catch (error) {
          response = apiError(500, 'INTERNAL_ERROR', `fake server error: ${(error as Error).message}`);
        }
        send(res, response, recorded.method);
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.#server = server;
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fake.cloud.baseUrl = fake.url;
    return fake;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.#server === undefined) resolve();
      else {
        this.#server.closeAllConnections();
        this.#server.close(() => resolve());
      }
    });
  }

  /** Requests to cloud storage (presigned/SAS URLs and result links). */
  cloudRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/_s3/') || r.path.startsWith('/_azure/'));
  }

  /** Where the Azure Blob endpoint of an account lives on this fake (for abfss:// storage locations). */
  azureBlobEndpoint(account: string): string {
    return `${this.url}/_azure/${account}`;
  }

  async #handle(request: RecordedRequest): Promise<FakeResponse> {
    if (!request.path.startsWith('/_s3/') && !request.path.startsWith('/_azure/')) logRoute('databricks', request.method, request.path);
    const fault = this.faults.match(request);
    if (fault) return fault;
    for (const route of this.#routes) {
      if (route.method !== request.method && !(route.method === 'ANY')) continue;
      const match = route.pattern.exec(request.path);
      if (match === null) continue;
      if (!route.public) {
        const denied = this.#authenticate(request);
        if (denied) return denied;
      }
      return route.handler({ ...request, json: parseJson(request.body), params: match.slice(1) });
    }
    return apiError(404, 'ENDPOINT_NOT_FOUND', `No API found for '${request.method} ${request.path}'`);
  }

  #authenticate(request: RecordedRequest): FakeResponse | undefined {
    const header = request.headers.authorization;
    if (header === undefined) return apiError(401, 'UNAUTHENTICATED', 'Credential was not sent or was of an unsupported type for this API.');
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    if (token === this.token) return undefined;
    const expiresAt = token === undefined ? undefined : this.#oauthTokens.get(token);
    if (expiresAt !== undefined && Date.now() < expiresAt) return undefined;
    return apiError(401, 'UNAUTHENTICATED', expiresAt !== undefined ? 'Token expired.' : 'Invalid access token.');
  }

  #route(method: string, pattern: RegExp, handler: Handler, isPublic = false): void {
    this.#routes.push({ method, pattern, handler, ...(isPublic ? { public: true } : {}) });
  }

  /** A route of the Databricks contract: its method and template must be in api-routes.generated.ts. */
  #api(method: string, template: string, handler: Handler): void {
    const route = apiRoute(method, template);
    this.#routes.push({ method, pattern: templatePattern(route.path), handler, template: route.path });
  }

  /** Every route the fake serves: contract routes with their template, the rest (OIDC, cloud storage) with their pattern. */
  routeTable(): { method: string; template?: string; pattern: RegExp; public: boolean }[] {
    return this.#routes.map((route) => ({ method: route.method, ...(route.template ? { template: route.template } : {}), pattern: route.pattern, public: route.public === true }));
  }

  #defineRoutes(): void {
    const mlflow = this.mlflow;
    const uc = this.uc;
    const sql = this.sql;
    const files = this.files;
    const api = this.#api.bind(this);

    // OIDC (OAuth M2M): discovery at the path the SDKs use; the token endpoint is whatever discovery names.
    this.#route('GET', /^\/oidc\/\.well-known\/oauth-authorization-server$/, () =>
      json({ authorization_endpoint: `${this.url}/oidc/v1/authorize`, token_endpoint: `${this.url}/oidc/v1/token`, issuer: `${this.url}/oidc` }), true);
    this.#route('POST', /^\/oidc\/v1\/token$/, (req) => this.#issueToken(req), true);
    // Host metadata, which databricks-sdk (Python ≥ 0.6x) reads to find the OIDC discovery URL.
    this.#route('GET', /^\/\.well-known\/databricks-config$/, () => json({ oidc_endpoint: `${this.url}/oidc`, workspace_id: '1234567890123456', cloud: 'azure' }), true);

    // Identity and workspace objects
    api('GET', '/api/2.0/preview/scim/v2/Me', () =>
      json({ id: '4242424242424242', userName: this.userName, displayName: 'First Last', active: true, emails: [{ value: this.userName, type: 'work', primary: true }], schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] }));
    api('POST', '/api/2.0/workspace/mkdirs', (req) => mlflow.mkdirs(req));
    api('GET', '/api/2.0/workspace/get-status', (req) => mlflow.getStatus(req));
    api('GET', '/api/2.0/sql/warehouses/{id}', (req) =>
      sql.warehouses.has(req.params[0]!) ? json({ id: req.params[0], name: 'Serverless Starter Warehouse', state: 'RUNNING', cluster_size: '2X-Small' }) : apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Warehouse ${req.params[0]} does not exist.`));

    // Files API (the multipart POST is databricks-sdk's files mixin)
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'POST']) api(method, '/api/2.0/fs/files{file_path+}', (req) => files.files(req, req.params[0]!));
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) api(method, '/api/2.0/fs/directories{directory_path+}', (req) => files.directories(req, req.params[0]!));
    api('POST', '/api/2.0/fs/create-upload-part-urls', (req) => files.createUploadPartUrls(req));
    api('POST', '/api/2.0/fs/create-upload-url', (req) => uc.createUploadUrl(req, 'upload'));
    api('POST', '/api/2.0/fs/create-download-url', (req) => uc.createUploadUrl(req, 'download'));

    // SQL Statement Execution
    api('POST', '/api/2.0/sql/statements', (req) => sql.submit(req));
    api('GET', '/api/2.0/sql/statements/{statement_id}', (req) => sql.get(req.params[0]!, req));
    api('POST', '/api/2.0/sql/statements/{statement_id}/cancel', (req) => sql.cancel(req.params[0]!));
    api('GET', '/api/2.0/sql/statements/{statement_id}/result/chunks/{chunk_index}', (req) => sql.chunk(req.params[0]!, Number(req.params[1]), req));

    // Unity Catalog tables
    api('GET', '/api/2.1/unity-catalog/tables/{full_name}/exists', async (req) => json({ table_exists: (await sql.tableInfo(req.params[0]!)) !== undefined }));
    api('GET', '/api/2.1/unity-catalog/tables/{full_name}', async (req) => {
      const info = await sql.tableInfo(req.params[0]!);
      return info ? json(info) : apiError(404, 'TABLE_DOES_NOT_EXIST', `Table '${req.params[0]}' does not exist.`);
    });
    api('DELETE', '/api/2.1/unity-catalog/tables/{full_name}', async (req) =>
      (await sql.dropTable(req.params[0]!)) ? empty() : apiError(404, 'TABLE_DOES_NOT_EXIST', `Table '${req.params[0]}' does not exist.`));

    // MLflow tracking
    const r = (method: string, path: string, handler: Handler): void => api(method, `/api/2.0/mlflow/${path}`, handler);
    r('POST', 'experiments/create', (req) => mlflow.createExperiment(req));
    r('GET', 'experiments/get', (req) => mlflow.getExperiment(req));
    r('GET', 'experiments/get-by-name', (req) => mlflow.getExperimentByName(req));
    r('POST', 'experiments/search', (req) => mlflow.searchExperiments(req));
    r('POST', 'experiments/set-experiment-tag', (req) => mlflow.setExperimentTag(req));
    r('POST', 'runs/create', (req) => mlflow.createRun(req));
    r('GET', 'runs/get', (req) => mlflow.getRun(req));
    r('POST', 'runs/update', (req) => mlflow.updateRun(req));
    r('POST', 'runs/log-batch', (req) => mlflow.logBatch(req));
    r('POST', 'runs/set-tag', (req) => mlflow.setTag(req));
    r('POST', 'runs/delete-tag', (req) => mlflow.deleteTag(req));
    r('POST', 'runs/search', (req) => mlflow.searchRuns(req));
    r('GET', 'metrics/get-history', (req) => mlflow.metricHistory(req));
    r('GET', 'artifacts/list', (req) => mlflow.listArtifacts(req));
    r('POST', 'artifacts/credentials-for-write', (req) => mlflow.credentials(req, 'write'));
    r('POST', 'artifacts/credentials-for-read', (req) => mlflow.credentials(req, 'read'));

    // Unity Catalog model registry: MLflow's databricks_uc_registry_service.proto endpoints and the UC REST alias endpoints
    const u = 'unity-catalog/';
    r('POST', `${u}registered-models/create`, (req) => uc.createModel(req));
    r('GET', `${u}registered-models/get`, (req) => uc.getModel(req));
    r('GET', `${u}registered-models/search`, (req) => uc.searchModels(req));
    r('PATCH', `${u}registered-models/update`, (req) => uc.updateModel(req));
    r('POST', `${u}registered-models/set-tag`, (req) => uc.modelTag(req));
    r('DELETE', `${u}registered-models/delete-tag`, (req) => uc.modelTag(req));
    r('GET', `${u}registered-models/alias`, (req) => uc.getByAliasMlflow(req));
    r('POST', `${u}model-versions/create`, (req) => uc.createVersion(req));
    r('POST', `${u}model-versions/generate-temporary-credentials`, (req) => uc.temporaryCredentials(req));
    r('POST', `${u}model-versions/finalize`, (req) => uc.finalize(req));
    r('GET', `${u}model-versions/get`, (req) => uc.getVersion(req));
    r('GET', `${u}model-versions/search`, (req) => uc.searchVersions(req));
    r('PATCH', `${u}model-versions/update`, (req) => uc.updateVersion(req));
    r('POST', `${u}model-versions/set-tag`, (req) => uc.versionTag(req));
    r('DELETE', `${u}model-versions/delete-tag`, (req) => uc.versionTag(req));
    for (const method of ['GET', 'PUT', 'DELETE']) {
      api(method, '/api/2.1/unity-catalog/models/{full_name}/aliases/{alias}', (req) => uc.alias(req, req.params[0]!, req.params[1]!));
    }

    // Cloud storage behind presigned URLs
    this.#route('ANY', /^\/_azure\/([^/]+)\/(.+)$/, (req) => this.cloud.check(req, 'azure') ?? this.cloud.azure(req, req.params[1]!), true);
    this.#route('ANY', /^\/_s3\/(.+)$/, (req) => this.#s3(req, req.params[0]!), true);
  }

  #s3(req: FakeRequest, key: string): FakeResponse {
    const refused = this.cloud.check(req, 's3');
    if (refused) return refused;
    const part = /^fsparts\/([^/]+)\/(\d+)$/.exec(key);
    if (part && req.method === 'PUT') {
      if (req.headers['x-amz-server-side-encryption'] !== 'AES256') {
        return { status: 403, headers: { 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code><Message>A header that was signed (x-amz-server-side-encryption) is missing.</Message></Error>' };
      }
      return this.files.storePart(part[1]!, Number(part[2]), req.body) ?? apiError(404, 'NoSuchUpload', 'The specified upload does not exist.');
    }
    const result = /^results\/([^/]+)\/(\d+)$/.exec(key);
    if (result && req.method === 'GET') {
      const data = this.sql.arrowChunk(result[1]!, Number(result[2]));
      return data === undefined ? { status: 404, body: '' } : { status: 200, headers: { 'content-type': 'application/vnd.apache.arrow.stream' }, body: data };
    }
    return this.cloud.s3(req, key);
  }

  #issueToken(req: FakeRequest): FakeResponse {
    const client = this.#options.oauthClient;
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent) : [];
    const form = new URLSearchParams(new TextDecoder().decode(req.body));
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' } };
    if (client === undefined || id !== client.clientId || secret !== client.clientSecret) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } };
    }
    const token = `oauth-${randomBytes(12).toString('hex')}`;
    const lifetime = this.#options.oauthTokenLifetime ?? 3600;
    this.#oauthTokens.set(token, Date.now() + lifetime * 1000);
    this.oauthTokensIssued++;
    return json({ access_token: token, token_type: 'Bearer', expires_in: lifetime, scope: form.get('scope') ?? 'all-apis' });
  }
}

