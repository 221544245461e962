import { filterString } from './rest/tracking-client.js';
import type { Run, TrackingStore } from './types.js';
import { pages } from '../http/paging.js';
import { minOf, pushAll } from '../arrays.js';

/**
 * The tag that nests a run under another, as `mlflow.start_run(nested=True)` writes it at create
 * time: the parent's run id. The MLflow UI shows child runs under their parent by it, and
 * `search_runs(filter_string="tags.mlflow.parentRunId = '…'")` finds them.
 */
export const PARENT_RUN_ID_TAG = 'mlflow.parentRunId';

/** The run this run is nested under, if any. */
export function parentRunIdOf(run: Run): string | undefined {
  const id = run.data.tags[PARENT_RUN_ID_TAG];
  return id === undefined || id === '' ? undefined : id;
}

export interface ChildRunsOptions {
  /** Where to look: a child may live in another experiment than its parent, so pass every experiment to find all. */
  experimentIds: string[];
  /** Stop after this many runs. */
  maxResults?: number;
  signal?: AbortSignal;
}

const PAGE_SIZE = 1000;

/** The runs nested directly under `parentRunId`, oldest first. */
export async function childRuns(tracking: TrackingStore, parentRunId: string, options: ChildRunsOptions): Promise<Run[]> {
  return searchAll(tracking, `tags.\`${PARENT_RUN_ID_TAG}\` = ${filterString(parentRunId)}`, options);
}

/**
 * The runs nested directly under each of `parents`, oldest first, keyed by parent run id (every
 * parent has an entry). One search instead of one per parent: it asks for the nested runs that
 * started since the oldest parent did (a run is created inside its parent, never before it) and
 * keeps those whose parent is one of `parents`.
 */
export async function childRunsByParent(tracking: TrackingStore, parents: readonly Run[], options: Omit<ChildRunsOptions, 'maxResults'>): Promise<Map<string, Run[]>> {
  const byParent = new Map<string, Run[]>(parents.map((parent) => [parent.info.runId, []]));
  if (parents.length === 0 || options.experimentIds.length === 0) return byParent;
  const oldest = minOf(parents.map((parent) => parent.info.startTime));
  const nested = await searchAll(tracking, `tags.\`${PARENT_RUN_ID_TAG}\` != '' and attributes.start_time >= ${oldest}`, options);
  for (const run of nested) byParent.get(parentRunIdOf(run) ?? '')?.push(run);
  return byParent;
}

async function searchAll(tracking: TrackingStore, filter: string, options: ChildRunsOptions): Promise<Run[]> {
  if (options.experimentIds.length === 0) return [];
  const runs: Run[] = [];
  const search = (pageToken: string | undefined) =>
    tracking.searchRuns({
      experimentIds: options.experimentIds,
      filter,
      orderBy: ['attributes.start_time ASC'],
      maxResults: options.maxResults === undefined ? PAGE_SIZE : Math.min(PAGE_SIZE, options.maxResults - runs.length),
      ...(pageToken ? { pageToken } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  for await (const page of pages(search, { what: 'the run search', ...(options.signal ? { signal: options.signal } : {}) })) {
    pushAll(runs, page.items);
    if (options.maxResults !== undefined && runs.length >= options.maxResults) break;
  }
  return runs;
}
