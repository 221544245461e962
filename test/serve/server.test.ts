import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHAMPION_ALIAS } from '../../src/stages/deploy/deploy.js';
import { runTrain } from '../../src/stages/train/train.js';
import { ModelSource } from '../../src/serve/model-source.js';
import { startScoringServer, type ScoringServer } from '../../src/serve/server.js';
import { MODEL_NAME, VOLUME, localStage, trainParams } from '../helpers/stage-context.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'sklearn');
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

interface Expected {
  classes: string[];
  rows: { features: number[]; predict: string; predict_proba: number[] }[];
}
const expectedOf = async (base: string) => JSON.parse(await readFile(path.join(fixtures, `${base}.expected.json`), 'utf8')) as Expected;

const servers: ScoringServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A workspace with version 1 (Pipeline(StandardScaler, LogisticRegression)) as champion and version 2 (MLPClassifier). */
async function servedChampion(options: { maxBodyBytes?: number } = {}) {
  const { ctx } = await localStage(await tempDir());
  for (const base of ['iris_pipeline_logreg', 'iris_mlp']) {
    await ctx.workspace.volumes.write(`${VOLUME}/${base}.pkl`, await readFile(path.join(fixtures, `${base}.pkl`)));
    await runTrain(ctx, trainParams({ pkl_path: `${VOLUME}/${base}.pkl`, data_path: '' }));
  }
  await ctx.workspace.registry.setAlias(MODEL_NAME, CHAMPION_ALIAS, '1');
  const server = await startScoringServer({ source: new ModelSource(`models:/${MODEL_NAME}@${CHAMPION_ALIAS}`, ctx.workspace), port: 0, version: '9.9.9', ...options });
  servers.push(server);
  return { ctx, server };
}

async function invoke(server: ScoringServer, body: unknown, contentType = 'application/json') {
  const response = await fetch(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, contentType: response.headers.get('content-type'), json: (await response.json()) as Record<string, unknown> };
}

type Prediction = Record<string, number | string>;

function expectMatches(predictions: Prediction[], expected: Expected, rows: number[]): void {
  expect(predictions).toHaveLength(rows.length);
  rows.forEach((r, i) => {
    const row = expected.rows[r]!;
    expect(predictions[i]!.prediction).toBe(row.predict);
    expected.classes.forEach((label, k) => expect(Math.abs((predictions[i]![`probability_${label}`] as number) - row.predict_proba[k]!)).toBeLessThan(1e-6));
  });
}

describe('the scoring server', () => {
  it('answers /ping, /health and /version, bound to 127.0.0.1 by default', async () => {
    const { server } = await servedChampion();
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const endpoint of ['/ping', '/health']) {
      const response = await fetch(`${server.url}${endpoint}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('\n');
    }
    expect(await (await fetch(`${server.url}/version`)).text()).toBe('9.9.9');
    expect(server.current().version).toBe('1');
  });

  it('scores every MLflow input format the same, with labels and probabilities', async () => {
    const { server } = await servedChampion();
    const expected = await expectedOf('iris_pipeline_logreg');
    const rows = [0, 60, 120, 149];
    const features = rows.map((r) => expected.rows[r]!.features);
    const records = features.map((f) => Object.fromEntries(FEATURES.map((name, j) => [name, f[j]])));
    const columns = Object.fromEntries(FEATURES.map((name, j) => [name, features.map((f) => f[j])]));
    const csv = ['sepal_width,petal_length,unused,sepal_length,petal_width', ...features.map((f) => `${f[1]},${f[2]},x,${f[0]},${f[3]}`)].join('\r\n') + '\r\n';
    const bodies: [string, unknown, string?][] = [
      ['dataframe_split', { dataframe_split: { columns: FEATURES, data: features } }],
      ['dataframe_split (reordered, extra column, index)', { dataframe_split: { index: rows, columns: ['extra', ...[...FEATURES].reverse()], data: features.map((f) => ['e', ...[...f].reverse()]) } }],
      ['dataframe_records', { dataframe_records: records }],
      ['instances (records)', { instances: records }],
      ['instances (rows)', { instances: features }],
      ['inputs (columns)', { inputs: columns, params: {} }],
      ['inputs (rows)', { inputs: features }],
      ['text/csv', csv, 'text/csv; charset=utf-8'],
    ];
    for (const [name, body, type] of bodies) {
      const result = await invoke(server, body, type);
      expect(result.status, name).toBe(200);
      expect(result.contentType).toBe('application/json');
      expect(Object.keys(result.json), name).toEqual(['predictions']);
      const predictions = result.json.predictions as Prediction[];
      expect(Object.keys(predictions[0]!)).toEqual(['prediction', 'probability_setosa', 'probability_versicolor', 'probability_virginica']);
      expectMatches(predictions, expected, rows);
    }
  });

  it('checks the input against the signature and answers JSON errors with error_code (400)', async () => {
    const { server } = await servedChampion();
    const missing = await invoke(server, { dataframe_split: { columns: ['sepal_length', 'sepal_width', 'petal_length'], data: [[1, 2, 3]] } });
    expect(missing.status).toBe(400);
    expect(missing.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(missing.json.message).toMatch(/^Model is missing inputs \['petal_width'\]/);

    const bad = await invoke(server, { dataframe_records: [{ sepal_length: 5, sepal_width: 3, petal_length: 1, petal_width: 0.2 }, { sepal_length: 'tall', sepal_width: 3, petal_length: 1, petal_width: 0.2 }] });
    expect(bad).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE', message: `Column 'sepal_length', row 1: expected a number (double), found "tall"` } });
    const nulls = await invoke(server, { inputs: { sepal_length: [1], sepal_width: [null], petal_length: [1], petal_width: [1] } });
    expect(nulls.json.message).toBe("Column 'sepal_width', row 0: expected a number (double), found null");
    const ragged = await invoke(server, { instances: [[1, 2, 3, 4], [1, 2, 3]] });
    expect(ragged.json.message).toMatch(/^instances row 1 has 3 values; rows without column names need one value per model input/);
    const csvMissing = await invoke(server, 'sepal_length,petal_width\n1,2\n', 'text/csv');
    expect(csvMissing.json.message).toMatch(/missing inputs \['sepal_width', 'petal_length'\]/);

    for (const body of ['{"dataframe_split": ', JSON.stringify([1, 2]), JSON.stringify({ dataframe_split: { columns: FEATURES, data: [] }, instances: [] }), JSON.stringify({ data: [] })]) {
      const malformed = await invoke(server, body);
      expect(malformed.status, body).toBe(400);
      expect(malformed.json.error_code, body).toBe('BAD_REQUEST');
    }
    const wrongType = await invoke(server, 'a=1', 'application/x-www-form-urlencoded');
    expect(wrongType).toMatchObject({ status: 415, json: { error_code: 'BAD_REQUEST' } });
    expect((await invoke(server, '{}', 'application/json; charset=latin-1')).status).toBe(415);

    const notFound = await fetch(`${server.url}/predict`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
    const wrongMethod = await fetch(`${server.url}/invocations`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('refuses a body over the size limit with 413 REQUEST_LIMIT_EXCEEDED, declared or streamed', async () => {
    const { server } = await servedChampion({ maxBodyBytes: 1024 });
    const rows = Array.from({ length: 100 }, () => [5.1, 3.5, 1.4, 0.2]);
    const big = await invoke(server, { instances: rows });
    expect(big).toMatchObject({ status: 413, json: { error_code: 'REQUEST_LIMIT_EXCEEDED' } });
    expect(big.json.message).toMatch(/bytes; the limit is 1024 bytes/);
    // Without Content-Length (chunked), the server stops reading once the limit is passed.
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write('{"instances": [');
      for (let i = 0; i < 100; i++) req.write('[5.1, 3.5, 1.4, 0.2],');
      req.end('[1,2,3,4]]}');
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).message).toMatch(/more than 1024 bytes/);
    // Small requests still work.
    expect((await invoke(server, { instances: [[5.1, 3.5, 1.4, 0.2]] })).status).toBe(200);
  });

  it('re-resolves an alias URI on POST /reload and serves the new version', async () => {
    const { ctx, server } = await servedChampion();
    const unchanged = await (await fetch(`${server.url}/reload`, { method: 'POST' })).json();
    expect(unchanged).toEqual({ model_uri: `models:/${MODEL_NAME}@champion`, changed: false, version: '1', previous_version: '1' });

    await ctx.workspace.registry.setAlias(MODEL_NAME, CHAMPION_ALIAS, '2');
    const reloaded = await (await fetch(`${server.url}/reload`, { method: 'POST' })).json();
    expect(reloaded).toEqual({ model_uri: `models:/${MODEL_NAME}@champion`, changed: true, version: '2', previous_version: '1' });
    const expected = await expectedOf('iris_mlp');
    const result = await invoke(server, { instances: [expected.rows[70]!.features, expected.rows[133]!.features] });
    expectMatches(result.json.predictions as Prediction[], expected, [70, 133]);
  });

  it('serves a model directory from disk and a fixed version URI, for which /reload changes nothing', async () => {
    const { ctx } = await servedChampion();
    const dir = await tempDir();
    const { runId } = await ctx.workspace.registry.getModelVersion(MODEL_NAME, '2');
    const copy = async (folder: string): Promise<void> => {
      for (const entry of await ctx.workspace.tracking.listArtifacts(runId, folder)) {
        const target = path.join(dir, path.relative('model', entry.path));
        if (entry.isDir) {
          await mkdir(target, { recursive: true });
          await copy(entry.path);
        } else {
          await writeFile(target, await ctx.workspace.tracking.downloadArtifact(runId, entry.path));
        }
      }
    };
    await copy('model');
    const fromDisk = await startScoringServer({ source: new ModelSource(dir, undefined), port: 0 });
    servers.push(fromDisk);
    const expected = await expectedOf('iris_mlp');
    expectMatches((await invoke(fromDisk, { instances: [expected.rows[5]!.features] })).json.predictions as Prediction[], expected, [5]);

    const fixed = await startScoringServer({ source: new ModelSource(`models:/${MODEL_NAME}/2`, ctx.workspace), port: 0 });
    servers.push(fixed);
    await ctx.workspace.registry.setAlias(MODEL_NAME, CHAMPION_ALIAS, '1');
    expect(await (await fetch(`${fixed.url}/reload`, { method: 'POST' })).json()).toMatchObject({ changed: false, version: '2' });
  });

  it('shuts down gracefully: a request in flight completes, then new connections are refused', async () => {
    const { server } = await servedChampion();
    let responded = false;
    const inFlight = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        res.on('end', () => {
          responded = true;
          resolve(res.statusCode ?? 0);
        });
      });
      req.on('error', reject);
      req.write('{"instances": [[5.1, 3.5, ');
      setTimeout(() => req.end('1.4, 0.2]]}'), 150);
    });
    await new Promise((r) => setTimeout(r, 50));
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(false);
    expect(await inFlight).toBe(200);
    await closing;
    expect(responded).toBe(true);
    await expect(fetch(`${server.url}/ping`)).rejects.toThrow();
  });
});
