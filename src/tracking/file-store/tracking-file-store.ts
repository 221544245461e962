import { appendFile, mkdir, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { checkBatch, newRun, RUN_NAME_TAG, validateNewExperiment, validateRunUpdate, validateTag } from '../store-input.js';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { writeLocalFileAtomic } from '../../io/atomic-file.js';
import type {
  ArtifactInfo,
  CallOptions,
  CreateRunOptions,
  Experiment,
  LogBatchInput,
  Metric,
  Page,
  Run,
  RunInfo,
  RunStatus,
  SearchRunsOptions,
  TrackingStore,
  UpdateRunInput,
} from '../types.js';
import { listArtifactFolder, readArtifactFile, writeArtifactFile } from './artifact-folder.js';
import { appendToUri, artifactUriToPath, pathToFileUri, resolveArtifactLocation } from './artifact-uri.js';
import {
  ioError,
  isDirectory,
  listFilesRecursive,
  listSubdirectories,
  mkdirExclusive,
  pathExists,
  readKeyValueFolder,
  readTextIfExists,
  storeWriteOptions,
} from './disk.js';
import {
  experimentFromMeta,
  experimentToMeta,
  runFromMeta,
  runToMeta,
  toExperiment,
  toRunInfo,
} from './entities.js';
import type { StoredExperiment, StoredRun } from './entities.js';
import { DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, newExperimentId, newRunId } from './ids.js';
import { withFileLock } from './file-lock.js';
import { KeyedLock } from './keyed-lock.js';
import { dumpMetaYaml, parseMetaYaml } from './meta-yaml.js';
import { formatMetricLine, latestMetric, parseMetricFile } from './metrics-format.js';
import { entityMatches, EXPERIMENT_SEARCH, parseEntityFilter, parseEntityOrderBy, sortEntities, type SearchEntitiesOptions } from './entity-search.js';
import { paginate, parseRunFilter, parseRunOrderBy, runMatchesFilter, sortRuns, validateMaxResults } from './search.js';
import {
  validateArtifactPath,
  validateExperimentId,
  validateKey,
  validateRunId,
} from './validation.js';
import { pushAll } from '../../arrays.js';

export interface FileTrackingStoreOptions {
  /** The mlruns folder (MLflow's --backend-store-uri). Created, with the Default experiment, on first use. */
  root: string;
  /** The tracking URI to report; defaults to the root as a file URI. */
  uri?: string;
  /** Clock for creation and update times; defaults to Date.now. */
  now?: () => number;
  /** The user for runs created without userId or an mlflow.user tag; defaults to the OS user. */
  user?: string;
  /** Where `mlflow-artifacts:/` artifact URIs live: the server's --artifacts-destination folder. */
  artifactsDestination?: string;
  /**
   * The root new experiments get their artifact location under (MLflow's --default-artifact-root),
   * e.g. `mlflow-artifacts:/` when a server proxies artifacts; defaults to the store folder itself.
   */
  defaultArtifactRoot?: string;
  /** Told about each unreadable experiment or run that a listing skipped. */
  onCorrupt?: (error: MlopsError) => void;
}

/** Which lifecycle stages a search returns, as MLflow's ViewType. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

const META = 'meta.yaml';
/** A file (MLflow lists folders only) that serialises experiment creation across processes. */
const CREATE_EXPERIMENT_LOCK = '.create-experiment.lock';
const TRASH = '.trash';
const MODELS = 'models';
// Folders inside an experiment that are not runs (MLflow's RESERVED_EXPERIMENT_FOLDERS).
const RESERVED_EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces']);

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function notFound(message: string, details: Record<string, unknown>): MlopsError {
  return new MlopsError('NOT_FOUND', message, { details });
}

function invalid(message: string, details: Record<string, unknown>): MlopsError {
  return new MlopsError('INVALID_ARGUMENT', message, { details });
}

interface LocatedExperiment {
  dir: string;
  stored: StoredExperiment;
}

interface LocatedRun {
  dir: string;
  stored: StoredRun;
}

/**
 * MLflow tracking over a folder in MLflow 2.12's FileStore layout, so `mlflow server
 * --backend-store-uri <root>` and `mlflow ui` read what we write, and we read what they write.
 */
export class FileTrackingStore implements TrackingStore {
  readonly uri: string;
  readonly root: string;
  private readonly trash: string;
  private readonly now: () => number;
  private readonly user: string | undefined;
  private readonly artifactsDestination: string | undefined;
  private readonly defaultArtifactRoot: string;
  private readonly onCorrupt: ((error: MlopsError) => void) | undefined;
  private readonly metaLock = new KeyedLock();
  private readonly runDirCache = new Map<string, string>();
  private initialised: Promise<void> | undefined;

  constructor(options: FileTrackingStoreOptions) {
    this.root = resolve(options.root);
    this.trash = join(this.root, TRASH);
    this.uri = options.uri ?? pathToFileUri(this.root);
    this.now = options.now ?? Date.now;
    this.user = options.user;
    this.artifactsDestination = options.artifactsDestination;
    this.defaultArtifactRoot = options.defaultArtifactRoot ?? pathToFileUri(this.root);
    this.onCorrupt = options.onCorrupt;
  }

  // ---------------------------------------------------------------- setup

  private ready(): Promise<void> {
    this.initialised ??= this.initialise().catch((error: unknown) => {
      this.initialised = undefined;
      throw error;
    });
    return this.initialised;
  }

  /**
   * MLflow creates the Default experiment when it creates the store folder. We also create it
   * when the folder exists without it (say the registry made mlruns/models first); MLflow never
   * lets experiment 0 be deleted for good, so its absence means it was never made.
   */
  private async initialise(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
    } catch (error) {
      throw ioError('create the tracking folder', this.root, error);
    }
    if (!(await isDirectory(this.root))) throw new MlopsError('IO', `Tracking root ${this.root} is not a folder`, { details: { path: this.root } });
    const defaultDir = join(this.root, DEFAULT_EXPERIMENT_ID);
    if (!(await pathExists(join(this.trash, DEFAULT_EXPERIMENT_ID))) && (await mkdirExclusive(defaultDir))) {
      const time = this.now();
      await this.writeExperimentMeta(defaultDir, {
        experimentId: DEFAULT_EXPERIMENT_ID,
        name: DEFAULT_EXPERIMENT_NAME,
        artifactLocation: appendToUri(this.defaultArtifactRoot, DEFAULT_EXPERIMENT_ID),
        lifecycleStage: 'active',
        creationTime: time,
        lastUpdateTime: time,
      });
    }
    try {
      await mkdir(this.trash, { recursive: true });
    } catch (error) {
      throw ioError('create the trash folder', this.trash, error);
    }
  }

  // ---------------------------------------------------------------- experiments

  private async writeExperimentMeta(dir: string, experiment: StoredExperiment): Promise<void> {
    await writeLocalFileAtomic(join(dir, META), dumpMetaYaml(experimentToMeta(experiment)), storeWriteOptions({ durable: true }));
  }

  private async readExperimentAt(dir: string): Promise<LocatedExperiment> {
    const file = join(dir, META);
    const text = await readTextIfExists(file);
    if (text === undefined) throw new MlopsError('CORRUPT', `${file} is missing: the experiment folder has no metadata`, { details: { file } });
    const stored = experimentFromMeta(parseMetaYaml(text, file));
    if (stored.experimentId !== basename(dir)) {
      throw new MlopsError('CORRUPT', `${file}: experiment_id is '${stored.experimentId}' but the folder is '${basename(dir)}'`, { details: { file } });
    }
    return { dir, stored };
  }

  private async experimentTags(dir: string): Promise<Record<string, string>> {
    return readKeyValueFolder(join(dir, 'tags'));
  }

  private async findExperimentDir(experimentId: string): Promise<string | undefined> {
    validateExperimentId(experimentId);
    if (experimentId === MODELS) return undefined;
    for (const parent of [this.root, this.trash]) {
      const dir = join(parent, experimentId);
      if (await isDirectory(dir)) return dir;
    }
    return undefined;
  }

  private async locateExperiment(experimentId: string): Promise<LocatedExperiment> {
    await this.ready();
    const dir = await this.findExperimentDir(experimentId);
    if (dir === undefined) throw notFound(`Experiment '${experimentId}' does not exist in ${this.root}`, { experimentId });
    return this.readExperimentAt(dir);
  }

  /** Every readable experiment folder; broken ones are reported to onCorrupt and skipped. */
  private async listExperiments(includeDeleted: boolean, signal?: AbortSignal): Promise<LocatedExperiment[]> {
    await this.ready();
    const dirs = (await listSubdirectories(this.root)).filter((name) => name !== MODELS && !name.startsWith('.')).map((name) => join(this.root, name));
    if (includeDeleted) pushAll(dirs, (await listSubdirectories(this.trash)).map((name) => join(this.trash, name)));
    const found: LocatedExperiment[] = [];
    for (const dir of dirs) {
      throwIfAborted(signal);
      try {
        found.push(await this.readExperimentAt(dir));
      } catch (error) {
        if (!(error instanceof MlopsError && error.code === 'CORRUPT')) throw error;
        this.onCorrupt?.(error);
      }
    }
    return found;
  }

  async createExperiment(name: string, options: CallOptions & { tags?: Record<string, string>; artifactLocation?: string } = {}): Promise<string> {
    throwIfAborted(options.signal);
    validateNewExperiment(name, options);
    const tags = options.tags ?? {};
    // One create at a time per store, so two calls with one name cannot both pass the check: the
    // in-process lock for this process, a lock file for other processes sharing the folder.
    await this.ready();
    return this.metaLock.run('create-experiment', () => withFileLock(join(this.root, CREATE_EXPERIMENT_LOCK), async () => {
      const existing = await this.getExperimentByName(name, options);
      if (existing !== undefined) {
        const deleted = existing.lifecycleStage === 'deleted' ? ' in deleted state (restore it, or remove it from the .trash folder to reuse the name)' : '';
        throw new MlopsError('ALREADY_EXISTS', `Experiment '${name}' already exists${deleted} with id ${existing.experimentId}`, {
          details: { name, experimentId: existing.experimentId },
        });
      }
      let experimentId = newExperimentId();
      while (!(await mkdirExclusive(join(this.root, experimentId)))) experimentId = newExperimentId();
      const time = this.now();
      await this.writeExperimentMeta(join(this.root, experimentId), {
        experimentId,
        name,
        artifactLocation:
          options.artifactLocation === undefined || options.artifactLocation === ''
            ? appendToUri(this.defaultArtifactRoot, experimentId)
            : resolveArtifactLocation(options.artifactLocation),
        lifecycleStage: 'active',
        creationTime: time,
        lastUpdateTime: time,
      });
      for (const [key, value] of Object.entries(tags)) await this.writeExperimentTag(join(this.root, experimentId), key, value);
      return experimentId;
    }, options.signal ? { signal: options.signal } : {}));
  }

  async getExperiment(experimentId: string, options: CallOptions = {}): Promise<Experiment> {
    throwIfAborted(options.signal);
    const { dir, stored } = await this.locateExperiment(experimentId);
    return toExperiment(stored, await this.experimentTags(dir));
  }

  async getExperimentByName(name: string, options: CallOptions = {}): Promise<Experiment | undefined> {
    throwIfAborted(options.signal);
    const matches = (await this.listExperiments(true, options.signal)).filter((experiment) => experiment.stored.name === name);
    const chosen = matches.find((experiment) => experiment.stored.lifecycleStage === 'active') ?? matches[0];
    return chosen === undefined ? undefined : toExperiment(chosen.stored, await this.experimentTags(chosen.dir));
  }

  /**
   * Experiments in pages, newest first unless `orderBy` says otherwise, filtered with MLflow's
   * experiment search syntax (`name LIKE 'iris%'`, `tags.team = 'ml'`, `creation_time > 0`).
   */
  async searchExperiments(options: SearchEntitiesOptions & { viewType?: ViewType } = {}): Promise<Page<Experiment>> {
    throwIfAborted(options.signal);
    const maxResults = validateMaxResults(options.maxResults);
    const filter = parseEntityFilter(options.filter, EXPERIMENT_SEARCH);
    const orderBy = parseEntityOrderBy(options.orderBy, EXPERIMENT_SEARCH);
    const viewType = options.viewType ?? 'ACTIVE_ONLY';
    const located = await this.listExperiments(viewType !== 'ACTIVE_ONLY', options.signal);
    const experiments: Experiment[] = [];
    for (const { dir, stored } of located) {
      if (viewType === 'DELETED_ONLY' && stored.lifecycleStage !== 'deleted') continue;
      const experiment = toExperiment(stored, await this.experimentTags(dir));
      if (entityMatches(experiment, filter, EXPERIMENT_SEARCH)) experiments.push(experiment);
    }
    const defaultOrder = (a: Experiment, b: Experiment): number =>
      b.creationTime - a.creationTime || (a.experimentId < b.experimentId ? -1 : a.experimentId > b.experimentId ? 1 : 0);
    return paginate(sortEntities(experiments, orderBy, EXPERIMENT_SEARCH, defaultOrder), options.pageToken, maxResults);
  }

  private async writeExperimentTag(dir: string, key: string, value: string): Promise<void> {
    await writeLocalFileAtomic(join(dir, 'tags', ...key.split('/')), value, storeWriteOptions({ tempDir: dir }));
  }

  async setExperimentTag(experimentId: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateTag(key, value, 'Experiment tag');
    const { dir, stored } = await this.locateExperiment(experimentId);
    if (stored.lifecycleStage !== 'active') {
      throw invalid(`The experiment ${experimentId} must be in the 'active' lifecycle_stage to set tags, found '${stored.lifecycleStage}'`, { experimentId });
    }
    await this.writeExperimentTag(dir, key, value);
  }

  // ---------------------------------------------------------------- runs

  private async readRunAt(dir: string): Promise<LocatedRun> {
    const file = join(dir, META);
    const text = await readTextIfExists(file);
    if (text === undefined) throw new MlopsError('CORRUPT', `${file} is missing: the run folder has no metadata`, { details: { file } });
    const stored = runFromMeta(parseMetaYaml(text, file));
    const experimentFolder = basename(dirname(dir));
    if (stored.runId !== basename(dir) || stored.experimentId !== experimentFolder) {
      throw new MlopsError(
        'CORRUPT',
        `${file}: run '${stored.runId}' of experiment '${stored.experimentId}' is stored in folder ${experimentFolder}/${basename(dir)}`,
        { details: { file } },
      );
    }
    return { dir, stored };
  }

  private async findRunDir(runId: string): Promise<string> {
    validateRunId(runId);
    await this.ready();
    const cached = this.runDirCache.get(runId);
    if (cached !== undefined && (await isDirectory(cached))) return cached;
    if (!RESERVED_EXPERIMENT_FOLDERS.has(runId)) {
      const experimentDirs = [
        ...(await listSubdirectories(this.root)).filter((name) => name !== MODELS && !name.startsWith('.')).map((name) => join(this.root, name)),
        ...(await listSubdirectories(this.trash)).map((name) => join(this.trash, name)),
      ];
      for (const experimentDir of experimentDirs) {
        const dir = join(experimentDir, runId);
        if (await isDirectory(dir)) {
          this.runDirCache.set(runId, dir);
          return dir;
        }
      }
    }
    throw notFound(`Run '${runId}' not found in any experiment under ${this.root}`, { runId });
  }

  private async locateRun(runId: string): Promise<LocatedRun> {
    return this.readRunAt(await this.findRunDir(runId));
  }

  private async locateActiveRun(runId: string): Promise<LocatedRun> {
    const run = await this.locateRun(runId);
    if (run.stored.lifecycleStage !== 'active') {
      throw invalid(`The run ${runId} must be in the 'active' state to be changed, found '${run.stored.lifecycleStage}'`, { runId });
    }
    return run;
  }

  private async writeRunMeta(dir: string, run: StoredRun): Promise<void> {
    await writeLocalFileAtomic(join(dir, META), dumpMetaYaml(runToMeta(run)), storeWriteOptions({ durable: true }));
  }

  /** Re-reads the run's meta.yaml under the lock, applies `change` and writes it back. */
  private async updateRunMeta(runId: string, change: (run: StoredRun) => StoredRun): Promise<StoredRun> {
    return this.metaLock.run(`run:${runId}`, async () => {
      const { dir, stored } = await this.locateActiveRun(runId);
      const updated = change(stored);
      await this.writeRunMeta(dir, updated);
      return updated;
    });
  }

  private async loadRun({ dir, stored }: LocatedRun): Promise<Run> {
    const tags = await readKeyValueFolder(join(dir, 'tags'));
    const params = await readKeyValueFolder(join(dir, 'params'));
    const metrics: Record<string, Metric> = {};
    for (const key of await listFilesRecursive(join(dir, 'metrics'))) {
      const latest = latestMetric(await this.readMetricHistory(dir, key));
      if (latest !== undefined) metrics[key] = latest;
    }
    return { info: toRunInfo(stored, tags), data: { metrics, params, tags } };
  }

  private async readMetricHistory(runDir: string, key: string): Promise<Metric[]> {
    const file = join(runDir, 'metrics', ...key.split('/'));
    const text = await readTextIfExists(file);
    return text === undefined ? [] : parseMetricFile(text, key, file);
  }

  private defaultUser(): string {
    return this.user ?? osUser();
  }

  async createRun(options: CreateRunOptions): Promise<RunInfo> {
    throwIfAborted(options.signal);
    const { runName, userId, startTime, tags } = newRun(options, { user: () => this.defaultUser(), now: this.now });

    const { dir: experimentDir, stored: experiment } = await this.locateExperiment(options.experimentId);
    if (experiment.lifecycleStage !== 'active') {
      throw invalid(`Could not create a run in experiment ${options.experimentId}: it is '${experiment.lifecycleStage}', not active`, {
        experimentId: options.experimentId,
      });
    }
    let runId = newRunId();
    while (!(await mkdirExclusive(join(experimentDir, runId)))) runId = newRunId();
    const dir = join(experimentDir, runId);
    const stored: StoredRun = {
      runId,
      runName,
      experimentId: experiment.experimentId,
      userId,
      status: 'RUNNING',
      startTime,
      endTime: null,
      artifactUri: appendToUri(experiment.artifactLocation, runId, 'artifacts'),
      lifecycleStage: 'active',
    };
    await this.writeRunMeta(dir, stored);
    try {
      for (const folder of ['metrics', 'params', 'artifacts']) await mkdir(join(dir, folder), { recursive: true });
    } catch (error) {
      throw ioError('create the run folders in', dir, error);
    }
    for (const [key, value] of Object.entries(tags)) await this.writeRunTag(dir, key, value);
    this.runDirCache.set(runId, dir);
    return toRunInfo(stored, tags);
  }

  async getRun(runId: string, options: CallOptions = {}): Promise<Run> {
    throwIfAborted(options.signal);
    return this.loadRun(await this.locateRun(runId));
  }

  async updateRun(runId: string, update: UpdateRunInput, options: CallOptions = {}): Promise<RunInfo> {
    throwIfAborted(options.signal);
    const runName = validateRunUpdate(runId, update);
    const updated = await this.updateRunMeta(runId, (stored) => ({
      ...stored,
      status: (update.status ?? stored.status) as RunStatus,
      endTime: update.endTime ?? stored.endTime,
      runName: runName ?? stored.runName,
    }));
    const dir = await this.findRunDir(runId);
    if (runName !== undefined) await this.writeRunTag(dir, RUN_NAME_TAG, runName);
    return toRunInfo(updated, await readKeyValueFolder(join(dir, 'tags')));
  }

  private async writeRunTag(runDir: string, key: string, value: string): Promise<void> {
    await writeLocalFileAtomic(join(runDir, 'tags', ...key.split('/')), value, storeWriteOptions({ tempDir: runDir }));
  }

  /**
   * Logs metrics, params and tags. A local store has no request to keep small, so a batch may be
   * any size; MLflow's per-request limits (1000 metrics, 100 params, 100 tags) apply at the REST
   * server, and the REST client splits batches to fit them.
   */
  async logBatch(runId: string, batch: LogBatchInput, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const { metrics, params, tags } = checkBatch(batch);
    const { dir } = await this.locateActiveRun(runId);
    if (params.length > 0) await this.metaLock.run(`params:${runId}`, () => this.writeNewParams(runId, dir, params));

    const linesByKey = new Map<string, string>();
    for (const metric of metrics) linesByKey.set(metric.key, (linesByKey.get(metric.key) ?? '') + formatMetricLine(metric));
    for (const [key, lines] of linesByKey) {
      throwIfAborted(options.signal);
      const file = join(dir, 'metrics', ...key.split('/'));
      try {
        await mkdir(dirname(file), { recursive: true });
        // One append per key keeps a batch's lines for that key together and in logged order.
        await appendFile(file, lines, 'utf8');
      } catch (error) {
        throw ioError('append to', file, error);
      }
    }

    for (const [key, value] of tags) await this.setRunTagAt(runId, dir, key, value);
  }

  /**
   * Params are immutable: a key is written once, and a different value later is refused. The
   * check and the write happen under a per-run lock (so concurrent requests to one server see each
   * other), and each file is created by a hard link that fails if it exists (so two processes
   * cannot both win): of twenty racing writers of one key with different values, one succeeds.
   */
  private async writeNewParams(runId: string, dir: string, params: Array<[string, string]>): Promise<void> {
    const changed = (key: string, existing: string, value: string): MlopsError =>
      invalid(
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${existing}' for run ID='${runId}'. Attempted logging new value '${value}'`,
        { runId, key, existing, attempted: value },
      );
    const toWrite: Array<[string, string]> = [];
    for (const [key, value] of params) {
      const existing = await readTextIfExists(join(dir, 'params', ...key.split('/')));
      if (existing === undefined) toWrite.push([key, value]);
      else if (existing !== value) throw changed(key, existing, value);
    }
    for (const [key, value] of toWrite) {
      const file = join(dir, 'params', ...key.split('/'));
      try {
        await writeLocalFileAtomic(file, value, { ...storeWriteOptions({ tempDir: dir }), overwrite: false });
      } catch (error) {
        if (!(error instanceof MlopsError && error.code === 'ALREADY_EXISTS')) throw error;
        // Another process wrote it between our check and our link: the same value is fine.
        const existing = (await readTextIfExists(file)) ?? '';
        if (existing !== value) throw changed(key, existing, value);
      }
    }
  }

  /** Writes a tag; the mlflow.runName tag also renames the run in meta.yaml, as MLflow keeps them in step. */
  private async setRunTagAt(runId: string, dir: string, key: string, value: string): Promise<void> {
    if (key === RUN_NAME_TAG) await this.updateRunMeta(runId, (stored) => ({ ...stored, runName: value }));
    await this.writeRunTag(dir, key, value);
  }

  async setTag(runId: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateTag(key, value);
    const { dir } = await this.locateActiveRun(runId);
    await this.setRunTagAt(runId, dir, key, value);
  }

  async deleteTag(runId: string, key: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateKey('tag', key);
    const { dir } = await this.locateActiveRun(runId);
    const file = join(dir, 'tags', ...key.split('/'));
    if (!(await pathExists(file))) throw notFound(`No tag with name '${key}' in run ${runId} (looked for ${file})`, { runId, key });
    try {
      await rm(file);
    } catch (error) {
      throw ioError('delete', file, error);
    }
  }

  async getMetricHistory(runId: string, key: string, options: CallOptions = {}): Promise<Metric[]> {
    throwIfAborted(options.signal);
    validateKey('metric', key);
    const { dir } = await this.locateRun(runId);
    return this.readMetricHistory(dir, key);
  }

  async searchRuns(options: SearchRunsOptions & { viewType?: ViewType }): Promise<Page<Run>> {
    throwIfAborted(options.signal);
    const maxResults = validateMaxResults(options.maxResults);
    const filter = parseRunFilter(options.filter);
    const orderBy = parseRunOrderBy(options.orderBy);
    await this.ready();
    const runs: Run[] = [];
    for (const experimentId of options.experimentIds) {
      const experimentDir = await this.findExperimentDir(experimentId);
      // MLflow's file store answers an unknown experiment with no runs rather than an error.
      if (experimentDir === undefined) continue;
      for (const name of await listSubdirectories(experimentDir)) {
        throwIfAborted(options.signal);
        if (RESERVED_EXPERIMENT_FOLDERS.has(name)) continue;
        let located: LocatedRun;
        try {
          located = await this.readRunAt(join(experimentDir, name));
        } catch (error) {
          if (!(error instanceof MlopsError && error.code === 'CORRUPT')) throw error;
          this.onCorrupt?.(error);
          continue;
        }
        const viewType = options.viewType ?? 'ACTIVE_ONLY';
        if (viewType !== 'ALL' && (located.stored.lifecycleStage === 'active') !== (viewType === 'ACTIVE_ONLY')) continue;
        let run: Run;
        try {
          run = await this.loadRun(located);
        } catch (error) {
          if (!(error instanceof MlopsError && error.code === 'CORRUPT')) throw error;
          this.onCorrupt?.(error);
          continue;
        }
        if (runMatchesFilter(run, filter)) runs.push(run);
      }
    }
    return paginate(sortRuns(runs, orderBy), options.pageToken, maxResults);
  }

  // ---------------------------------------------------------------- artifacts

  private async artifactRoot(runId: string): Promise<string> {
    const { stored } = await this.locateRun(runId);
    return artifactUriToPath(stored.artifactUri, { artifactsDestination: this.artifactsDestination });
  }

  async logArtifact(runId: string, path: string, data: Uint8Array | string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateArtifactPath(path, { allowRoot: false });
    await writeArtifactFile(await this.artifactRoot(runId), path, data);
  }

  async listArtifacts(runId: string, path = '', options: CallOptions = {}): Promise<ArtifactInfo[]> {
    throwIfAborted(options.signal);
    validateArtifactPath(path, { allowRoot: true });
    return listArtifactFolder(await this.artifactRoot(runId), path);
  }

  async downloadArtifact(runId: string, path: string, options: CallOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    validateArtifactPath(path, { allowRoot: false });
    try {
      return await readArtifactFile(await this.artifactRoot(runId), path, `of run ${runId}`);
    } catch (error) {
      if (error instanceof MlopsError && error.details !== undefined) error.details['runId'] = runId;
      throw error;
    }
  }
}
