import type { StageContext } from '../stages/context.js';
import type { StageDeclaration, StageInput } from '../stages/declaration.js';
import type { PipelineState } from '../stages/state.js';
import type { TrackingStore } from '../tracking/types.js';
import { codeVersion } from './code-version.js';
import { cacheEnabled, pickReusableRun, STEP_CACHE_KEY_TAG, STEP_OUTPUT_ARTIFACT, stepCacheFilter, stepCacheKey } from './step-cache.js';

/** The step cache's shell over the tracking store: find an earlier output by its key, and record one. */

export interface CachedOutput {
  /** The stage run whose output is reused. */
  runId: string;
  output: unknown;
}

/**
 * The output of the newest successful run of the experiment tagged with the key, or undefined (no
 * experiment yet, no such run, or its output artifact unreadable: a miss, never an error).
 */
export async function findCachedOutput(tracking: TrackingStore, experimentName: string, key: string, options: { signal?: AbortSignal } = {}): Promise<CachedOutput | undefined> {
  const signal = options.signal ? { signal: options.signal } : {};
  const experiment = await tracking.getExperimentByName(experimentName, signal);
  if (experiment === undefined || experiment.lifecycleStage === 'deleted') return undefined;
  const page = await tracking.searchRuns({ experimentIds: [experiment.experimentId], filter: stepCacheFilter(key), orderBy: ['attributes.start_time DESC'], maxResults: 10, ...signal });
  const run = pickReusableRun(page.items, key);
  if (run === undefined) return undefined;
  let output: unknown;
  try {
    output = JSON.parse(new TextDecoder().decode(await tracking.downloadArtifact(run.info.runId, STEP_OUTPUT_ARTIFACT, signal)));
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return undefined;
  }
  if (output === null || typeof output !== 'object' || (output as { run_id?: unknown }).run_id !== run.info.runId) return undefined;
  return { runId: run.info.runId, output };
}

/** Records a stage run's output and then its key (the tag last: a run with the tag always has its output). */
export async function recordCachedOutput(tracking: TrackingStore, runId: string, key: string, output: unknown, options: { signal?: AbortSignal } = {}): Promise<void> {
  const signal = options.signal ? { signal: options.signal } : {};
  await tracking.logArtifact(runId, STEP_OUTPUT_ARTIFACT, JSON.stringify(output, null, 2), signal);
  await tracking.setTag(runId, STEP_CACHE_KEY_TAG, key, signal);
}

/**
 * Runs one stage through the step cache: when it declares a cache and neither `force` nor its
 * `cache: false` parameter turns it off, an earlier successful run with the same key (and an output
 * that still stands) is reused, and no run is created; otherwise the stage runs and its run is
 * tagged with the key for the next time.
 */
export async function runThroughCache<P>(
  ctx: StageContext,
  declaration: StageDeclaration<P>,
  input: StageInput<P>,
  options: { force: boolean },
): Promise<{ output: NonNullable<PipelineState[keyof PipelineState]>; reusedFrom?: string }> {
  const cache = declaration.cache;
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  let key: string | undefined;
  if (cache && cacheEnabled({ declared: true, force: options.force, cacheParam: (input.params as { cache?: unknown }).cache })) {
    const inputs = await cache.inputs(ctx, input);
    if (inputs !== undefined) {
      key = stepCacheKey({ stage: declaration.name, params: input.params as Record<string, unknown>, inputs, code: await codeVersion() });
      const found = await findCachedOutput(ctx.workspace.tracking, cache.experiment(input.params), key, signal);
      if (found && (!cache.stillValid || (await cache.stillValid(ctx, found.output as never)))) {
        return { output: found.output as NonNullable<PipelineState[keyof PipelineState]>, reusedFrom: found.runId };
      }
    }
  }
  const output = await declaration.run(ctx, input);
  const runId = (output as { run_id?: unknown }).run_id;
  if (key !== undefined && typeof runId === 'string') await recordCachedOutput(ctx.workspace.tracking, runId, key, output, signal);
  return { output };
}
