import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileModelRegistry } from '../../../src/tracking/file-store/registry-file-store.js';
import { FileTrackingStore } from '../../../src/tracking/file-store/tracking-file-store.js';
import { trackingServerRoutes } from '../../../src/tracking/server/server.js';
import { matchingRoutes, type ApiRoute } from '../../fakes/databricks/api-routes.js';
import { FakeDatabricks } from '../../fakes/databricks/server.js';
import { pythonOf } from '../helpers/python.js';
// @ts-expect-error — a plain .mjs script without type declarations
import { extractRoutes, GENERATED, renderRouteTable } from '../../../interop/routes/generate.mjs';

// Routes checked against the source: every (method, path) our REST clients send, our tracking server
// answers and our fake Databricks workspace serves must be an HTTP binding in the protos shipped with the
// installed MLflow (3.x and 2.12.2) or a call in databricks-sdk's service modules.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const extract = (env: 'mlflow3' | 'mlflow2'): ApiRoute[] => (extractRoutes as (python: string) => ApiRoute[])(pythonOf(env));
const key = (r: { method: string; path: string }): string => `${r.method} ${r.path}`;

describe('routes against MLflow protos and databricks-sdk', () => {
  let mlflow3: ApiRoute[];
  let mlflow2: ApiRoute[];
  const dirs: string[] = [];
  beforeAll(() => {
    mlflow3 = extract('mlflow3');
    mlflow2 = extract('mlflow2');
  });
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('finds the HTTP bindings of both MLflows (tracking, registry, UC registry, artifacts) and the SDK calls', () => {
    for (const routes of [mlflow3, mlflow2]) {
      expect(routes.map(key)).toEqual(expect.arrayContaining(['POST /api/2.0/mlflow/runs/create', 'POST /api/2.0/mlflow/unity-catalog/model-versions/set-tag', 'GET /api/2.0/mlflow-artifacts/artifacts/{artifact_path+}']));
    }
    // databricks-sdk is in the mlflow3 env only.
    expect(mlflow3.map(key)).toEqual(expect.arrayContaining(['PUT /api/2.1/unity-catalog/models/{full_name}/aliases/{alias}', 'PUT /api/2.0/fs/files{file_path+}']));
    // The endpoints the UC client used to call are in no contract source.
    for (const wrong of ['POST /api/2.0/mlflow/unity-catalog/model-versions/tags', 'DELETE /api/2.0/mlflow/unity-catalog/model-versions/tags', 'POST /api/2.0/mlflow/unity-catalog/registered-models/tags']) {
      expect(mlflow3.map(key)).not.toContain(wrong);
    }
  });

  it('the committed route table of the fake is what interop/routes/generate.mjs makes of the installed mlflow3 env', async () => {
    const committed = await readFile(GENERATED as string, 'utf8');
    expect(committed, 'run `node interop/routes/generate.mjs` and commit test/fakes/databricks/api-routes.generated.ts').toBe((renderRouteTable as (r: ApiRoute[]) => string)(mlflow3));
  });

  it('the fake Databricks workspace serves only contract routes, plus OIDC discovery at the path the SDK uses', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlops-routes-'));
    dirs.push(dir);
    const fake = await FakeDatabricks.start({ dataDir: dir });
    try {
      const table = fake.routeTable();
      const contract = new Set(mlflow3.map(key));
      const notInContract = table.filter((r) => r.template !== undefined && !contract.has(`${r.method} ${r.template}`));
      expect(notInContract).toEqual([]);
      const outside = table.filter((r) => r.template === undefined);
      // Outside the workspace API: OIDC (discovery + the token endpoint that discovery names) and cloud storage.
      expect(outside.every((r) => r.public)).toBe(true);
      const sdk = spawnSync(pythonOf('mlflow3'), ['-c', 'import importlib.util, pathlib; print(pathlib.Path(importlib.util.find_spec("databricks.sdk").submodule_search_locations[0], "oauth.py").read_text())'], { encoding: 'utf8' });
      expect(sdk.stdout).toContain('/oidc/.well-known/oauth-authorization-server');
      expect(outside.some((r) => r.pattern.test('/oidc/.well-known/oauth-authorization-server'))).toBe(true);
    } finally {
      await fake.close();
    }
  });

  it('our tracking server answers only routes of MLflow 2.12.2 and 3.x (and MLflow’s /health, /version)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlops-routes-'));
    dirs.push(dir);
    const routes = trackingServerRoutes({ tracking: new FileTrackingStore({ root: dir }), registry: new FileModelRegistry({ root: dir }), artifactsDestination: dir });
    const missing: string[] = [];
    for (const route of routes) {
      if (route.path === '/health' || route.path === '/version') continue;
      const apiPath = route.path.replace(/^\/ajax-api\//, '/api/');
      const samples = route.prefix ? [apiPath, `${apiPath}/some/artifact.txt`] : [apiPath];
      for (const [name, contract] of [['mlflow 3', mlflow3], ['mlflow 2.12.2', mlflow2]] as const) {
        // A prefix route must be a contract route at the prefix or below it.
        const found = samples.some((sample) => matchingRoutes(route.method, sample, contract).length > 0);
        if (!found) missing.push(`${route.method} ${route.path}${route.prefix ? '/…' : ''} (not in ${name})`);
      }
    }
    expect(missing).toEqual([]);
    expect(routes.length).toBeGreaterThan(40);
  });

  it('every request our REST clients make while their suites run is a contract route', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlops-routes-'));
    dirs.push(dir);
    const log = path.join(dir, 'routes.jsonl');
    const suites = [
      'test/tracking/types.test.ts',
      'test/tracking/rest/tracking-client.test.ts',
      'test/tracking/rest/registry-client.test.ts',
      'test/tracking/rest/artifact-repository.test.ts',
      'test/workspace/databricks/uc-registry.test.ts',
      'test/workspace/databricks/volumes.test.ts',
      'test/workspace/databricks/tracking.test.ts',
      'test/workspace/databricks/artifacts.test.ts',
      'test/workspace/databricks/tables.test.ts',
      'test/workspace/databricks/statements.test.ts',
      'test/workspace/databricks/identity.test.ts',
    ];
    const run = await new Promise<{ status: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'vitest.config.ts', ...suites], {
        cwd: ROOT,
        env: { ...process.env, MLOPS_ROUTE_LOG: log },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (output = (output + c).slice(-20000)));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (output = (output + c).slice(-20000)));
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, output }));
    });
    expect(run.status, run.output.slice(-4000)).toBe(0);
    const requests = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { server: 'databricks' | 'tracking'; method: string; path: string });
    const seen = new Map<string, { server: string; method: string; path: string }>();
    for (const request of requests) seen.set(`${request.server} ${request.method} ${request.path}`, request);
    const offContract: string[] = [];
    for (const request of seen.values()) {
      if (request.path.startsWith('/oidc/')) continue;
      const apiPath = request.path.replace(/^\/ajax-api\//, '/api/');
      const contracts = request.server === 'tracking' ? [mlflow3, mlflow2] : [mlflow3];
      for (const contract of contracts) {
        if (matchingRoutes(request.method, apiPath, contract).length === 0) offContract.push(`${request.server}: ${request.method} ${request.path}`);
      }
    }
    expect(requests.filter((r) => r.server === 'databricks').length).toBeGreaterThan(100);
    expect(requests.filter((r) => r.server === 'tracking').length).toBeGreaterThan(100);
    expect([...new Set(offContract)].sort()).toEqual([]);
  }, 900_000);
});
