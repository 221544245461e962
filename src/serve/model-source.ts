import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../errors.js';
import { toMlopsError } from '../io/fs-errors.js';
import type { Classifier } from '../model/classifier.js';
import { modelFromFiles } from '../model/format.js';
import { DenseForward } from '../model/forward.js';
import { downloadModelFile, parseModelUri, resolveModelUri, type ModelUri } from '../tracking/model-uri.js';
import type { Workspace } from '../workspace/types.js';

/** A loaded model and where it came from. */
export interface ServedModel {
  classifier: Classifier;
  /** The same network in plain JavaScript: what answers requests (see DenseForward). */
  forward: DenseForward;
  uri: string;
  /** The registered version behind a models:/ URI. */
  version: string | undefined;
  runId: string | undefined;
}

/**
 * Where the served model comes from: an MLflow model URI (runs:/…, models:/name/version,
 * models:/name@alias, models:/name/latest) resolved through a workspace, or a local model
 * directory (a path or file: URI) as MLflow's `models serve -m ./path` takes it.
 */
export class ModelSource {
  readonly #parsed: ModelUri | undefined;
  readonly #directory: string | undefined;

  constructor(
    readonly uri: string,
    private readonly workspace: Workspace | undefined,
    options: { baseDir?: string } = {},
  ) {
    if (/^(runs|models):\//.test(uri)) {
      this.#parsed = parseModelUri(uri);
      if (workspace === undefined) throw new MlopsError('INVALID_ARGUMENT', `Model URI ${uri} needs a workspace to resolve it`, { details: { uri } });
    } else {
      const path = uri.startsWith('file:') ? fileURLToPath(uri) : uri;
      this.#directory = isAbsolute(path) ? path : resolve(options.baseDir ?? '.', path);
    }
  }

  /** True when the same URI may name another version later (an alias or latest): what /reload is for. */
  get isMovable(): boolean {
    return this.#parsed?.kind === 'alias' || this.#parsed?.kind === 'latest';
  }

  /** The version the URI names now, without loading anything (undefined for runs:/ and directories). */
  async currentVersion(options: { signal?: AbortSignal } = {}): Promise<string | undefined> {
    if (this.#parsed === undefined || this.#parsed.kind === 'runs') return undefined;
    return (await resolveModelUri(this.#parsed, this.workspace!, options)).version?.version;
  }

  async load(options: { signal?: AbortSignal } = {}): Promise<ServedModel> {
    if (this.#directory !== undefined) {
      const dir = this.#directory;
      const classifier = await modelFromFiles(async (relative) => {
        try {
          return await readFile(join(dir, relative), options);
        } catch (error) {
          throw toMlopsError(error, `read model file ${join(dir, relative)}`);
        }
      });
      return { classifier, forward: new DenseForward(classifier.describe()), uri: this.uri, version: undefined, runId: undefined };
    }
    const workspace = this.workspace!;
    const location = await resolveModelUri(this.#parsed!, workspace, options);
    const classifier = await modelFromFiles((relative) => downloadModelFile(location, workspace.tracking, relative, options));
    return { classifier, forward: new DenseForward(classifier.describe()), uri: this.uri, version: location.version?.version, runId: location.runId };
  }
}
