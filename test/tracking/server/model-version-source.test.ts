import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { hasRelativePathReferences, isLocalSource } from '../../../src/tracking/server/model-version-source.js';
import { startTrackingServer, type RunningTrackingServer } from '../../../src/tracking/server/server.js';
import { callMlflowApi } from '../../helpers/mlflow-api.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
let server: RunningTrackingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const call = (method: string, path: string, body?: unknown) => callMlflowApi(server!.url, method, path, body);

describe('model-version source rules (pure)', () => {
  it('tells local sources (no scheme, file:) from URIs', () => {
    expect(['/etc', 'model', './x', 'file:///root/.ssh', 'FILE:/etc', 'C:\\models\\m'].map(isLocalSource)).toEqual([true, true, true, true, true, true]);
    expect(['runs:/abc/model', 'models:/m-123', 'mlflow-artifacts:/0/r/artifacts/model', 's3://b/k', 'dbfs:/x'].map(isLocalSource)).toEqual([false, false, false, false, false]);
  });

  it('finds relative references in URI paths, however they are encoded', () => {
    for (const bad of [
      'mlflow-artifacts:/0/r/artifacts/../../../../etc',
      'mlflow-artifacts://host:5000/..%2f..%2fetc',
      'http://host/api/2.0/mlflow-artifacts/artifacts/%252e%252e/%252e%252e/etc',
      'runs:/r/./model',
      's3://bucket/models/../other',
      'mlflow-artifacts:/0/r%00',
      'models:m-123',
    ]) {
      expect(hasRelativePathReferences(bad), bad).toBe(true);
    }
    for (const good of ['runs:/r/model', 'models:/m-0123abc', 'models:/name/3', 'mlflow-artifacts:/0/r/artifacts/model', 's3://bucket/a/b/', 'runs:/r//model']) {
      expect(hasRelativePathReferences(good), good).toBe(false);
    }
  });
});

describe('model-versions/create accepts only run or logged-model artifact locations, as MLflow ≥ 2.9', () => {
  /** A server, a model, and a run whose artifacts are in a local folder (an experiment with a file: location). */
  async function setUp() {
    const dir = await tempDir();
    server = await startTrackingServer({ root: join(dir, 'mlruns') });
    const artifactRoot = join(dir, 'artifacts');
    const { json: experiment } = await call('POST', 'experiments/create', { name: 'e', artifact_location: pathToFileURL(artifactRoot).href });
    const { json: created } = await call('POST', 'runs/create', { experiment_id: experiment['experiment_id'] });
    const info = (created['run'] as { info: { run_id: string; artifact_uri: string } }).info;
    const runArtifacts = join(artifactRoot, info.run_id, 'artifacts');
    await mkdir(join(runArtifacts, 'model'), { recursive: true });
    await writeFile(join(runArtifacts, 'model', 'MLmodel'), 'flavors: {}\n');
    await call('POST', 'registered-models/create', { name: 'm' });
    return { dir, runId: info.run_id, artifactUri: info.artifact_uri, runArtifacts };
  }

  const create = (source: string, runId?: string) => call('POST', 'model-versions/create', { name: 'm', source, ...(runId ? { run_id: runId } : {}) });

  it('refuses /etc, file:///root/.ssh and paths escaping the run artifact folder, with INVALID_PARAMETER_VALUE, and registers nothing', async () => {
    const { dir, runId, runArtifacts } = await setUp();
    await symlink('/etc', join(runArtifacts, 'model', 'etc-link'));
    const refused: Array<[string, string | undefined]> = [
      ['/etc', undefined],
      ['/etc', runId],
      ['file:///root/.ssh', undefined],
      ['file:///root/.ssh', runId],
      ['file://evil.example.com/etc', runId],
      [`${runArtifacts}/../../../..`, runId],
      [`${pathToFileURL(runArtifacts).href}/model/../../../other-run`, runId],
      [join(runArtifacts, 'model', 'etc-link'), runId],
      [join(dir, 'mlruns'), runId],
      ['mlflow-artifacts:/0/r/artifacts/../../../../etc', runId],
      ['mlflow-artifacts:/..%2f..%2f..%2fetc', undefined],
    ];
    for (const [source, run] of refused) {
      const answer = await create(source, run);
      expect(answer.status, source).toBe(400);
      expect(answer.json['error_code'], source).toBe('INVALID_PARAMETER_VALUE');
      expect(answer.json['message'], source).toContain(`Invalid model version source: '`);
    }
    const local = await create('/etc', runId);
    expect(local.json['message']).toBe(
      "Invalid model version source: '/etc'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.",
    );
    expect((await call('GET', "model-versions/search?filter=name%3D'm'")).json).toEqual({});
  });

  it('accepts runs:/, models:/ (a registered version), mlflow-artifacts:/ sources and local paths inside the run artifact folder; the download URI is what was accepted', async () => {
    const { runId, artifactUri, runArtifacts } = await setUp();
    const accepted = [`runs:/${runId}/model`, 'models:/m/1', `mlflow-artifacts:/0/${runId}/artifacts/model`, `${artifactUri}/model`, join(runArtifacts, 'model'), runArtifacts];
    for (const [index, source] of accepted.entries()) {
      const answer = await create(source, runId);
      expect(answer.status, source).toBe(200);
      const uri = await call('GET', `model-versions/get-download-uri?name=m&version=${index + 1}`);
      expect(uri.json).toEqual({ artifact_uri: source });
    }
  });

  it('answers an unknown run_id with a local source as 404, like MLflow', async () => {
    await setUp();
    const answer = await create('/tmp/model', 'f'.repeat(32));
    expect(answer.status).toBe(404);
    expect(answer.json['error_code']).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});
