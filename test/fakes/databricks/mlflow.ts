import { randomUUID } from 'node:crypto';
import { parseRunFilter, parseRunOrderBy, runMatchesFilter, sortRuns } from '../../../src/tracking/file-store/search.js';
import { experimentToJson, metricToJson, runInfoToJson, runToJson } from '../../../src/tracking/rest/wire.js';
import type { Experiment, Metric, Run, RunStatus } from '../../../src/tracking/types.js';
import type { CloudStorage } from './cloud.js';
import { apiError, empty, field, json, type FakeRequest, type FakeResponse } from './http.js';

interface RunRecord {
  run: Run;
  history: Map<string, Metric[]>;
}

/**
 * MLflow tracking as a Databricks workspace serves it: experiments are workspace objects with
 * absolute paths (the parent folder must exist), runs keep their artifacts in cloud storage that
 * clients reach through credentials-for-write / credentials-for-read.
 */
export class FakeMlflow {
  readonly experiments = new Map<string, Experiment>();
  readonly runs = new Map<string, RunRecord>();
  /** Workspace tree: path → object type. */
  readonly workspace = new Map<string, 'DIRECTORY' | 'MLFLOW_EXPERIMENT'>();
  /** Which credential type artifact requests get. */
  artifactCredentialType: 'AZURE_SAS_URI' | 'AZURE_ADLS_GEN2_SAS_URI' | 'AWS_PRESIGNED_URL' = 'AZURE_SAS_URI';
  readonly #cloud: CloudStorage;
  readonly #userName: () => string;
  #nextExperimentId = 3_141_592_653_589_793;

  constructor(cloud: CloudStorage, userName: () => string) {
    this.#cloud = cloud;
    this.#userName = userName;
    for (const dir of ['/', '/Users', '/Shared', '/Workspace']) this.workspace.set(dir, 'DIRECTORY');
  }

  addUserHome(userName: string): void {
    this.workspace.set(`/Users/${userName}`, 'DIRECTORY');
  }

  // ------------------------------------------------------------------ workspace objects

  mkdirs(req: FakeRequest): FakeResponse {
    const target = String(req.json.path ?? '');
    if (!target.startsWith('/')) return apiError(400, 'INVALID_PARAMETER_VALUE', `Path (${target}) must be absolute.`);
    const segments = target.split('/').filter((s) => s !== '');
    for (let i = 1; i <= segments.length; i++) {
      const at = `/${segments.slice(0, i).join('/')}`;
      const existing = this.workspace.get(at);
      if (existing === 'MLFLOW_EXPERIMENT') return apiError(400, 'RESOURCE_ALREADY_EXISTS', `Node named '${segments[i - 1]}' already exists`);
      if (existing === undefined) this.workspace.set(at, 'DIRECTORY');
    }
    return empty();
  }

  getStatus(req: FakeRequest): FakeResponse {
    const target = field(req, 'path') ?? '';
    const type = this.workspace.get(target.replace(/\/+$/, '') || '/');
    if (type === undefined) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Path (${target}) doesn't exist.`);
    return json({ object_type: type, path: target, object_id: Math.abs(hash(target)) });
  }

  // ------------------------------------------------------------------ experiments

  createExperiment(req: FakeRequest): FakeResponse {
    const name = String(req.json.name ?? '');
    if (!name.startsWith('/')) {
      return apiError(400, 'INVALID_PARAMETER_VALUE', `Got an invalid experiment name '${name}'. An experiment name must be an absolute path within the Databricks workspace, e.g. '/Users/<some-username>/my-experiment'.`);
    }
    const parent = name.slice(0, name.lastIndexOf('/')) || '/';
    if (this.workspace.get(parent) !== 'DIRECTORY') return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Parent directory ${parent} does not exist.`);
    if (this.workspace.has(name)) return apiError(400, 'RESOURCE_ALREADY_EXISTS', `Node named '${name.slice(parent.length + 1)}' already exists`);
    const id = String(this.#nextExperimentId++);
    const now = Date.now();
    const tags: Record<string, string> = {};
    for (const tag of asTags(req.json.tags)) tags[tag.key] = tag.value;
    this.experiments.set(id, {
      experimentId: id,
      name,
      artifactLocation: `dbfs:/databricks/mlflow-tracking/${id}`,
      lifecycleStage: 'active',
      creationTime: now,
      lastUpdateTime: now,
      tags,
    });
    this.workspace.set(name, 'MLFLOW_EXPERIMENT');
    return json({ experiment_id: id });
  }

  getExperiment(req: FakeRequest): FakeResponse {
    const experiment = this.experiments.get(field(req, 'experiment_id') ?? '');
    if (experiment === undefined) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Node ID ${field(req, 'experiment_id')} does not exist.`);
    return json({ experiment: experimentToJson(experiment) });
  }

  getExperimentByName(req: FakeRequest): FakeResponse {
    const name = field(req, 'experiment_name') ?? '';
    const experiment = [...this.experiments.values()].find((e) => e.name === name);
    if (experiment === undefined) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Node ${name} does not exist.`);
    return json({ experiment: experimentToJson(experiment) });
  }

  searchExperiments(req: FakeRequest): FakeResponse {
    const max = Number(field(req, 'max_results') ?? 1000);
    const offset = Number(field(req, 'page_token') ?? 0);
    const all = [...this.experiments.values()].filter((e) => e.lifecycleStage === 'active').sort((a, b) => b.creationTime - a.creationTime || (a.experimentId < b.experimentId ? 1 : -1));
    const page = all.slice(offset, offset + max);
    return json({ experiments: page.map(experimentToJson), ...(offset + max < all.length ? { next_page_token: String(offset + max) } : {}) });
  }

  setExperimentTag(req: FakeRequest): FakeResponse {
    const experiment = this.experiments.get(String(req.json.experiment_id ?? ''));
    if (experiment === undefined) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Node ID ${req.json.experiment_id} does not exist.`);
    experiment.tags[String(req.json.key)] = String(req.json.value ?? '');
    return empty();
  }

  // ------------------------------------------------------------------ runs

  createRun(req: FakeRequest): FakeResponse {
    const experimentId = String(req.json.experiment_id ?? '');
    const experiment = this.experiments.get(experimentId);
    if (experiment === undefined) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Node ID ${experimentId} does not exist.`);
    const runId = randomUUID().replaceAll('-', '');
    const tags: Record<string, string> = {};
    for (const tag of asTags(req.json.tags)) tags[tag.key] = tag.value;
    const runName = typeof req.json.run_name === 'string' && req.json.run_name !== '' ? req.json.run_name : (tags['mlflow.runName'] ?? `run-${runId.slice(0, 6)}`);
    tags['mlflow.runName'] = runName;
    const userId = this.#userName();
    tags['mlflow.user'] ??= userId;
    const run: Run = {
      info: {
        runId,
        runName,
        experimentId,
        userId,
        status: 'RUNNING',
        startTime: Number(req.json.start_time ?? Date.now()),
        endTime: undefined,
        artifactUri: `dbfs:/databricks/mlflow-tracking/${experimentId}/${runId}/artifacts`,
        lifecycleStage: 'active',
      },
      data: { metrics: {}, params: {}, tags },
    };
    this.runs.set(runId, { run, history: new Map() });
    return json({ run: runToJson(run) });
  }

  #run(req: FakeRequest): RunRecord | FakeResponse {
    const id = field(req, 'run_id') ?? field(req, 'run_uuid') ?? '';
    const record = this.runs.get(id);
    if (record === undefined) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${id}' not found.`);
    return record;
  }

  getRun(req: FakeRequest): FakeResponse {
    const record = this.#run(req);
    if (!('run' in record)) return record;
    return json({ run: runToJson(record.run) });
  }

  updateRun(req: FakeRequest): FakeResponse {
    const record = this.#run(req);
    if (!('run' in record)) return record;
    const info = record.run.info;
    if (typeof req.json.status === 'string') info.status = req.json.status as RunStatus;
    if (req.json.end_time !== undefined) info.endTime = Number(req.json.end_time);
    if (typeof req.json.run_name === 'string' && req.json.run_name !== '') {
      info.runName = req.json.run_name;
      record.run.data.tags['mlflow.runName'] = req.json.run_name;
    }
    return json({ run_info: runInfoToJson(info) });
  }

  logBatch(req: FakeRequest): FakeResponse {
    const record = this.#run(req);
    if (!('run' in record)) return record;
    const metrics = Array.isArray(req.json.metrics) ? (req.json.metrics as Record<string, unknown>[]) : [];
    const params = asTags(req.json.params);
    const tags = asTags(req.json.tags);
    if (metrics.length > 1000 || params.length > 100 || tags.length > 100 || metrics.length + params.length + tags.length > 1000) {
      return apiError(400, 'INVALID_PARAMETER_VALUE', `A batch logging request can contain at most 1000 metrics, 100 params and 100 tags (1000 in total); got ${metrics.length} metrics, ${params.length} params, ${tags.length} tags.`);
    }
    for (const param of params) {
      const existing = record.run.data.params[param.key];
      if (existing !== undefined && existing !== param.value) {
        return apiError(400, 'INVALID_PARAMETER_VALUE', `Changing param values is not allowed. Param with key='${param.key}' was already logged with value='${existing}' for run ID='${record.run.info.runId}'. Attempted logging new value '${param.value}'.`);
      }
    }
    for (const param of params) record.run.data.params[param.key] = param.value;
    for (const tag of tags) record.run.data.tags[tag.key] = tag.value;
    for (const raw of metrics) {
      const value = typeof raw.value === 'string' ? Number(raw.value) : Number(raw.value);
      const metric: Metric = { key: String(raw.key), value, timestamp: Number(raw.timestamp ?? 0), step: Number(raw.step ?? 0) };
      const history = record.history.get(metric.key) ?? [];
      history.push(metric);
      record.history.set(metric.key, history);
      const latest = record.run.data.metrics[metric.key];
      if (latest === undefined || metric.step > latest.step || (metric.step === latest.step && (metric.timestamp > latest.timestamp || (metric.timestamp === latest.timestamp && metric.value > latest.value)))) {
        record.run.data.metrics[metric.key] = metric;
      }
    }
    return empty();
  }

  setTag(req: FakeRequest): FakeResponse {
    const record = this.#run(req);
    if (!('run' in record)) return record;
    record.run.data.tags[String(req.json.key)] = String(req.json.value ?? '');
    if (req.json.key === 'mlflow.runName') record.run.info.runName = String(req.json.value ?? '');
    return empty();
  }

  deleteTag(req: FakeRequest): FakeResponse {
    const record = this.#run(req);
    if (!('run' in record)) return record;
    const key = String(req.json.key);
    if (!(key in record.run.data.tags)) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in run with id ${record.run.info.runId}`);
    delete record.run.data.tags[key];
    return empty();
  }

  metricHistory(req: FakeRequest): FakeResponse {
    const record = this.#run(req);
    if (!('run' in record)) return record;
    const history = record.history.get(field(req, 'metric_key') ?? '') ?? [];
    const max = Number(field(req, 'max_results') ?? 25_000);
    const offset = Number(field(req, 'page_token') ?? 0);
    const page = history.slice(offset, offset + max);
    return json({ metrics: page.map(metricToJson), ...(offset + max < history.length ? { next_page_token: String(offset + max) } : {}) });
  }

  searchRuns(req: FakeRequest): FakeResponse {
    const ids = Array.isArray(req.json.experiment_ids) ? (req.json.experiment_ids as string[]) : [];
    const filter = typeof req.json.filter === 'string' ? req.json.filter : undefined;
    const orderBy = Array.isArray(req.json.order_by) ? (req.json.order_by as string[]) : undefined;
    const max = Number(req.json.max_results ?? 1000);
    const offset = Number(req.json.page_token ?? 0);
    let clauses;
    try {
      clauses = parseRunFilter(filter);
    } catch (error) {
      return apiError(400, 'INVALID_PARAMETER_VALUE', (error as Error).message);
    }
    const runs = sortRuns(
      [...this.runs.values()].map((r) => r.run).filter((run) => ids.includes(run.info.experimentId) && run.info.lifecycleStage === 'active' && runMatchesFilter(run, clauses)),
      parseRunOrderBy(orderBy),
    );
    const page = runs.slice(offset, offset + max);
    return json({ runs: page.map(runToJson), ...(offset + max < runs.length ? { next_page_token: String(offset + max) } : {}) });
  }

  // ------------------------------------------------------------------ artifacts

  /** The cloud object key of a run artifact. */
  artifactKey(run: Run, relative: string): string {
    return `mlflow-tracking/${run.info.experimentId}/${run.info.runId}/artifacts/${relative}`;
  }

  credentials(req: FakeRequest, mode: 'read' | 'write'): FakeResponse {
    const record = this.#run(req);
    if (!('run' in record)) return record;
    const paths = Array.isArray(req.json.path) ? (req.json.path as string[]) : typeof req.json.path === 'string' ? [req.json.path] : [];
    if (paths.length === 0) return apiError(400, 'INVALID_PARAMETER_VALUE', 'path must not be empty');
    const methods = mode === 'write' ? ['PUT', 'PATCH'] : ['GET'];
    const credentialInfos = paths.map((relative) => {
      const key = this.artifactKey(record.run, relative);
      const azure = this.artifactCredentialType !== 'AWS_PRESIGNED_URL';
      return {
        run_id: record.run.info.runId,
        path: relative,
        signed_uri: this.#cloud.url(azure ? `/_azure/fakestorage/${key}` : `/_s3/${key}`, methods, azure ? 'azure' : 's3'),
        headers: azure ? [{ name: 'x-ms-encryption-algorithm', value: 'AES256' }] : [{ name: 'x-amz-server-side-encryption', value: 'AES256' }],
        type: this.artifactCredentialType,
      };
    });
    return json({ credential_infos: credentialInfos });
  }

  listArtifacts(req: FakeRequest): FakeResponse {
    const record = this.#run(req);
    if (!('run' in record)) return record;
    const dir = (field(req, 'path') ?? '').replace(/^\/+|\/+$/g, '');
    const prefix = this.artifactKey(record.run, dir === '' ? '' : `${dir}/`);
    const children = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
    for (const [key, data] of this.#cloud.objects) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const [first, ...deeper] = rest.split('/');
      const childPath = dir === '' ? first! : `${dir}/${first}`;
      children.set(childPath, deeper.length > 0 ? { path: childPath, is_dir: true } : { path: childPath, is_dir: false, file_size: data.byteLength });
    }
    const files = [...children.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
    return json({ root_uri: record.run.info.artifactUri, files });
  }
}

function asTags(value: unknown): { key: string; value: string }[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry) => ({ key: String((entry as Record<string, unknown>).key), value: String((entry as Record<string, unknown>).value ?? '') }));
}

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}
