import { createHash } from 'node:crypto';
import type { StageName } from '../config/types.js';
import type { Run } from '../tracking/types.js';

/**
 * The step cache's pure core. A cacheable stage's key is a digest of everything its output
 * depends on: the stage, its parameters (less `cache` itself), the inputs it declares (a data
 * fingerprint, the registered version it reads, the registry state it compares with) and the code
 * version. The key is a tag on the stage's own MLflow run, so finding an earlier output is a
 * tag search in the store: the SQLite, file and REST stores all answer it.
 */

/** Run tag holding a cacheable stage's key; set last, once its output artifact is logged. */
export const STEP_CACHE_KEY_TAG = 'mlops.step_cache_key';
/** The stage's output (what the next stages read), as JSON, in the stage's run. */
export const STEP_OUTPUT_ARTIFACT = 'mlops/stage_output.json';
/** Bumped when what a key covers changes, so old keys can never match new ones. */
export const STEP_CACHE_KEY_FORMAT = '1';

export interface StepCacheKeyInput {
  stage: StageName;
  /** The stage's parsed parameters. */
  params: Readonly<Record<string, unknown>>;
  /** What the stage declares its output depends on beyond parameters and code. */
  inputs: Readonly<Record<string, string>>;
  /** Package version and digest of the code that runs the stage. */
  code: string;
}

/** The key: sha256 (hex) of the canonical JSON of the stage, its parameters, inputs and code version. */
export function stepCacheKey(input: StepCacheKeyInput): string {
  const params = Object.fromEntries(Object.entries(input.params).filter(([name]) => name !== 'cache'));
  const canonical = canonicalJson({ format: STEP_CACHE_KEY_FORMAT, stage: input.stage, params, inputs: input.inputs, code: input.code });
  return createHash('sha256').update(canonical).digest('hex');
}

/** JSON with object keys sorted at every level, so equal values give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** MLflow search filter for runs carrying the key. */
export function stepCacheFilter(key: string): string {
  if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a step cache key: ${key}`);
  return `tags.\`${STEP_CACHE_KEY_TAG}\` = '${key}'`;
}

/**
 * The run to reuse among runs found by the key: the newest that finished successfully and carries
 * exactly this key (a store's filter is trusted, but checked); undefined when none.
 */
export function pickReusableRun(runs: readonly Run[], key: string): Run | undefined {
  return runs
    .filter((run) => run.info.status === 'FINISHED' && run.info.lifecycleStage !== 'deleted' && run.data.tags[STEP_CACHE_KEY_TAG] === key)
    .sort((a, b) => b.info.startTime - a.info.startTime)[0];
}

/** Whether the cache applies to this stage run: the stage declares it, and neither --force nor `cache: false` turned it off. */
export function cacheEnabled(options: { declared: boolean; force: boolean; cacheParam: unknown }): boolean {
  return options.declared && !options.force && options.cacheParam !== false;
}
