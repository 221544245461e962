import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTracking } from '../../../src/tracking/open.js';
import type { ArtifactInfo } from '../../../src/tracking/types.js';
import { startMlflowServer } from '../helpers/mlflow-server.js';
import { backendStoreUri, rerunPipeline, runPipelineProject, type PipelineProject } from '../helpers/pipeline.js';
import { runPythonJson, type PythonEnv } from '../helpers/python.js';

// A real `mlflow server` (3.x and 2.12.2) over the tracking store that `mlops run pipeline_job` wrote —
// whatever kind the workspace reports — answers, through REST and through Python's MlflowClient, exactly
// what our own store reads back: experiments, runs with params, tags and full metric histories, the
// registered model with its tags and aliases, its versions, and artifact listings.

interface Snapshot {
  experiments: string[];
  runs: { runId: string; name: string; experiment: string; status: string; params: Record<string, string>; tags: Record<string, string>; metrics: Record<string, [number, number, number][]>; artifacts: [string, boolean, number | null][] }[];
  model: { name: string; tags: Record<string, string>; aliases: Record<string, string> };
  versions: { version: string; runId: string; source: string; status: string; tags: Record<string, string>; aliases: string[] }[];
  /** MLflow 3 logged models (SQLite store only): id, name, status, source run, params, tags, metrics as [key, value, step]. */
  loggedModels?: LoggedModelEntry[];
}

type LoggedModelEntry = { modelId: string; name: string; status: string; sourceRunId: string; params: Record<string, string>; tags: Record<string, string>; metrics: [string, number, number][] };

// MLflow's file store creates a "Default" experiment (id 0) in any store it opens; it is not ours to compare.
const IGNORED_EXPERIMENTS = new Set(['Default']);

function normalize(snapshot: Snapshot): Snapshot {
  return {
    experiments: [...snapshot.experiments].filter((e) => !IGNORED_EXPERIMENTS.has(e)).sort(),
    runs: snapshot.runs
      .filter((r) => !IGNORED_EXPERIMENTS.has(r.experiment))
      .map((r) => ({ ...r, artifacts: [...r.artifacts].sort((a, b) => a[0].localeCompare(b[0])) }))
      .sort((a, b) => a.runId.localeCompare(b.runId)),
    model: snapshot.model,
    versions: [...snapshot.versions].map((v) => ({ ...v, aliases: [...v.aliases].sort() })).sort((a, b) => Number(a.version) - Number(b.version)),
    ...(snapshot.loggedModels
      ? {
          loggedModels: snapshot.loggedModels
            .map((m) => ({ ...m, status: m.status.replace(/^LOGGED_MODEL_/, ''), metrics: [...m.metrics].sort((a, b) => a[0].localeCompare(b[0]) || a[2] - b[2]) }))
            .sort((a, b) => a.modelId.localeCompare(b.modelId)),
        }
      : {}),
  };
}

async function ours(project: PipelineProject, withLoggedModels = false): Promise<Snapshot> {
  const { tracking, registry } = openTracking(project.trackingUri, { baseDir: project.dir });
  const experiments = (await tracking.searchExperiments({ maxResults: 1000 })).items;
  const runs: Snapshot['runs'] = [];
  for (const experiment of experiments) {
    for (const run of (await tracking.searchRuns({ experimentIds: [experiment.experimentId], maxResults: 1000 })).items) {
      const metrics: Snapshot['runs'][number]['metrics'] = {};
      for (const key of Object.keys(run.data.metrics)) {
        metrics[key] = (await tracking.getMetricHistory(run.info.runId, key)).map((m) => [m.step, m.value, m.timestamp]);
      }
      const artifacts: [string, boolean, number | null][] = [];
      const walk = async (path: string): Promise<void> => {
        for (const info of (await tracking.listArtifacts(run.info.runId, path)) as ArtifactInfo[]) {
          artifacts.push([info.path, info.isDir, info.isDir ? null : (info.fileSize ?? null)]);
          if (info.isDir) await walk(info.path);
        }
      };
      await walk('');
      runs.push({ runId: run.info.runId, name: run.info.runName, experiment: experiment.name, status: run.info.status, params: run.data.params, tags: run.data.tags, metrics, artifacts });
    }
  }
  const model = await registry.getRegisteredModel(project.modelName);
  const versions = (await registry.listModelVersions(project.modelName)).map((v) => ({ version: v.version, runId: v.runId, source: v.source, status: v.status, tags: v.tags, aliases: v.aliases }));
  let loggedModels: LoggedModelEntry[] | undefined;
  if (withLoggedModels) {
    const store = await tracking.loggedModels?.();
    if (store === undefined) throw new Error(`${project.trackingUri} has no logged models`);
    loggedModels = (await store.searchLoggedModels({ experimentIds: experiments.map((e) => e.experimentId), maxResults: 1000 })).items.map((m) => ({
      modelId: m.modelId,
      name: m.name,
      status: m.status,
      sourceRunId: m.sourceRunId,
      params: m.params,
      tags: m.tags,
      metrics: m.metrics.map((metric): [string, number, number] => [metric.key, metric.value, metric.step]),
    }));
  }
  return normalize({ experiments: experiments.map((e) => e.name), runs, model: { name: model.name, tags: model.tags, aliases: model.aliases }, versions, ...(loggedModels ? { loggedModels } : {}) });
}

async function viaRest(url: string, modelName: string, withLoggedModels = false): Promise<Snapshot> {
  const api = async <T>(method: 'GET' | 'POST', path: string, body: Record<string, unknown>): Promise<T> => {
    const query = method === 'GET' ? `?${new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]))}` : '';
    const response = await fetch(`${url}/api/2.0/mlflow/${path}${query}`, method === 'POST' ? { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {});
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  type KV = { key: string; value: string }[] | undefined;
  const dict = (list: KV): Record<string, string> => Object.fromEntries((list ?? []).map((t) => [t.key, t.value ?? '']));
  const { experiments = [] } = await api<{ experiments?: { experiment_id: string; name: string }[] }>('POST', 'experiments/search', { max_results: 1000 });
  const runs: Snapshot['runs'] = [];
  for (const experiment of experiments) {
    const found = await api<{ runs?: { info: { run_id: string; run_name: string; status: string }; data: { params?: KV; tags?: KV; metrics?: { key: string }[] } }[] }>('POST', 'runs/search', { experiment_ids: [experiment.experiment_id], max_results: 1000 });
    for (const run of found.runs ?? []) {
      const metrics: Snapshot['runs'][number]['metrics'] = {};
      for (const { key } of run.data.metrics ?? []) {
        const history = await api<{ metrics?: { value: number; step?: string | number; timestamp: string | number }[] }>('GET', 'metrics/get-history', { run_id: run.info.run_id, metric_key: key });
        metrics[key] = (history.metrics ?? []).map((m) => [Number(m.step ?? 0), Number(m.value), Number(m.timestamp)]);
      }
      const artifacts: [string, boolean, number | null][] = [];
      const walk = async (path: string): Promise<void> => {
        const listing = await api<{ files?: { path: string; is_dir?: boolean; file_size?: string | number }[] }>('GET', 'artifacts/list', { run_id: run.info.run_id, ...(path ? { path } : {}) });
        for (const file of listing.files ?? []) {
          artifacts.push([file.path, file.is_dir === true, file.is_dir ? null : Number(file.file_size)]);
          if (file.is_dir) await walk(file.path);
        }
      };
      await walk('');
      runs.push({ runId: run.info.run_id, name: run.info.run_name, experiment: experiment.name, status: run.info.status, params: dict(run.data.params), tags: dict(run.data.tags), metrics, artifacts });
    }
  }
  const { registered_model: model } = await api<{ registered_model: { name: string; tags?: KV; aliases?: { alias: string; version: string }[] } }>('GET', 'registered-models/get', { name: modelName });
  const { model_versions = [] } = await api<{ model_versions?: { version: string; run_id: string; source: string; status: string; tags?: KV; aliases?: string[] }[] }>('GET', 'model-versions/search', { filter: `name='${modelName}'`, max_results: 1000 });
  let loggedModels: LoggedModelEntry[] | undefined;
  if (withLoggedModels) {
    type WireModel = { info: { model_id: string; name: string; status: string; source_run_id?: string; tags?: KV }; data?: { params?: KV; metrics?: { key: string; value: number; step?: string | number }[] } };
    const { models = [] } = await api<{ models?: WireModel[] }>('POST', 'logged-models/search', { experiment_ids: experiments.map((e) => e.experiment_id), max_results: 1000 });
    loggedModels = models.map((m) => ({
      modelId: m.info.model_id,
      name: m.info.name,
      status: m.info.status,
      sourceRunId: m.info.source_run_id ?? '',
      params: dict(m.data?.params),
      tags: dict(m.info.tags),
      metrics: (m.data?.metrics ?? []).map((metric): [string, number, number] => [metric.key, Number(metric.value), Number(metric.step ?? 0)]),
    }));
  }
  return normalize({
    ...(loggedModels ? { loggedModels } : {}),
    experiments: experiments.map((e) => e.name),
    runs,
    model: { name: model.name, tags: dict(model.tags), aliases: Object.fromEntries((model.aliases ?? []).map((a) => [a.alias, a.version])) },
    versions: model_versions.map((v) => ({ version: v.version, runId: v.run_id, source: v.source, status: v.status, tags: dict(v.tags), aliases: v.aliases ?? [] })),
  });
}

const CLIENT = String.raw`
import json, sys
from mlflow import MlflowClient
url, model_name = sys.argv[1], sys.argv[2]
client = MlflowClient(tracking_uri=url, registry_uri=url)
experiments = client.search_experiments(max_results=1000)
runs = []
for e in experiments:
    for r in client.search_runs([e.experiment_id], max_results=1000):
        metrics = {k: [[m.step, m.value, m.timestamp] for m in client.get_metric_history(r.info.run_id, k)] for k in r.data.metrics}
        artifacts = []
        def walk(path):
            for f in client.list_artifacts(r.info.run_id, path):
                artifacts.append([f.path, f.is_dir, None if f.is_dir else f.file_size])
                if f.is_dir:
                    walk(f.path)
        walk(None)
        runs.append({"runId": r.info.run_id, "name": r.info.run_name, "experiment": e.name, "status": r.info.status, "params": r.data.params, "tags": r.data.tags, "metrics": metrics, "artifacts": artifacts})
m = client.get_registered_model(model_name)
logged = None
if len(sys.argv) > 3:
    logged = [{"modelId": lm.model_id, "name": lm.name, "status": str(lm.status), "sourceRunId": lm.source_run_id or "", "params": lm.params, "tags": lm.tags,
               "metrics": [[x.key, x.value, x.step] for x in (lm.metrics or [])]}
              for lm in client.search_logged_models(experiment_ids=[e.experiment_id for e in experiments], max_results=1000)]
versions = client.search_model_versions("name='%s'" % model_name)
print(json.dumps({
    "experiments": [e.name for e in experiments],
    "runs": runs,
    "model": {"name": m.name, "tags": m.tags, "aliases": {k: str(v) for k, v in m.aliases.items()}},
    "versions": [{"version": str(v.version), "runId": v.run_id, "source": v.source, "status": v.status, "tags": v.tags, "aliases": list(v.aliases)} for v in versions],
    **({"loggedModels": logged} if logged is not None else {}),
}))
`;

describe('a real mlflow server over the file store mlops run pipeline_job wrote (MLflow 3 and 2.12.2)', () => {
  let project: PipelineProject;
  let expected: Snapshot;

  beforeAll(async () => {
    // Two pipeline runs: two versions, the champion alias moved, metric histories of 200 epochs each.
    // The file store, which MLflow 2.12.2 and MLflow 3 (with MLFLOW_ALLOW_FILE_STORE) both serve. The
    // default SQLite store is compared below with MLflow 3 only: MLflow 2.12.2 cannot open a database at
    // MLflow 3's alembic revision at all (it refuses it as newer than its own), which is expected.
    const env = { MLFLOW_TRACKING_URI: './.mlops/mlruns' };
    project = await runPipelineProject({ env });
    expect(project.trackingUri).toMatch(/^file:.*\/\.mlops\/mlruns$/);
    await rerunPipeline(project, { env });
    expected = await ours(project);
  });
  afterAll(async () => {
    if (project) await rm(project.dir, { recursive: true, force: true });
  });

  it('our own store holds what the comparison needs (runs, histories, versions, aliases, artifacts)', () => {
    expect(expected.versions.length).toBe(2);
    expect(expected.model.aliases.champion).toBeDefined();
    const training = expected.runs.filter((r) => Object.values(r.metrics).some((h) => h.length >= 100));
    expect(training.length).toBeGreaterThanOrEqual(2);
    expect(expected.runs.some((r) => r.artifacts.some(([p]) => p.endsWith('MLmodel')))).toBe(true);
  });

  for (const env of ['mlflow3', 'mlflow2'] as PythonEnv[]) {
    it(`${env}: REST and MlflowClient read the same experiments, runs, histories, model, versions, tags, aliases and artifacts`, async () => {
      const server = await startMlflowServer({ env, backendStoreUri: backendStoreUri(project.trackingUri) });
      try {
        const rest = await viaRest(server.url, project.modelName);
        expect(rest).toEqual(expected);
        const python = normalize(await runPythonJson<Snapshot>(env, CLIENT, { args: [server.url, project.modelName] }));
        expect(python).toEqual(expected);
      } finally {
        await server.stop();
      }
    });
  }
});

describe('a real mlflow server 3.x over the default SQLite store (mlflow.db) mlops run pipeline_job wrote', () => {
  let project: PipelineProject;
  let expected: Snapshot;

  beforeAll(async () => {
    // One pipeline run (the two-run history is compared on the file store above): the default store.
    project = await runPipelineProject();
    expect(project.trackingUri).toMatch(/^sqlite:\/\/\/.*\/mlflow\.db$/);
    expected = await ours(project, true);
  });
  afterAll(async () => {
    if (project) await rm(project.dir, { recursive: true, force: true });
  });

  it('our store holds runs with histories, a version with the champion alias, artifacts and a READY logged model', () => {
    expect(expected.versions.length).toBe(1);
    expect(expected.model.aliases.champion).toBe('1');
    expect(expected.runs.some((r) => Object.values(r.metrics).some((h) => h.length >= 100))).toBe(true);
    expect(expected.runs.some((r) => r.artifacts.length > 0)).toBe(true);
    expect(expected.loggedModels?.map((m) => m.status)).toContain('READY');
    expect(expected.versions[0]!.source).toMatch(/^models:\/m-[0-9a-f]{32}$/);
  });

  it('mlflow3: REST and MlflowClient read the same experiments, runs, histories, model, versions, tags, aliases, artifacts and logged models', async () => {
    const database = fileURLToPath(`file://${project.trackingUri.slice('sqlite://'.length)}`);
    const server = await startMlflowServer({ env: 'mlflow3', backendStoreUri: project.trackingUri, serveArtifacts: true, artifactsDestination: path.join(path.dirname(database), 'mlartifacts') });
    try {
      // MLflow 3's SQL registry answers model-versions/search without aliases (its search_model_versions
      // loads none; its file store does list them): the versions' aliases are compared as empty here, and
      // the champion alias through the registered model, which carries it.
      const expectedOverSql = { ...expected, versions: expected.versions.map((version) => ({ ...version, aliases: [] })) };
      expect(expected.model.aliases.champion).toBe('1');
      const rest = await viaRest(server.url, project.modelName, true);
      expect(rest).toEqual(expectedOverSql);
      const python = normalize(await runPythonJson<Snapshot>('mlflow3', CLIENT, { args: [server.url, project.modelName, 'logged-models'] }));
      expect(python).toEqual(expectedOverSql);
    } finally {
      await server.stop();
    }
  });
});
