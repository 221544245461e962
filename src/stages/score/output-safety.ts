/**
 * Whether batch_inference_job may write its output where it was asked to. Pure: the shell
 * (check-output.ts) turns parameters into places and looks at what is already there; these
 * functions decide.
 *
 * Two rules, both checked before any work:
 * - placement: the output is never, contains nothing of and lies inside nothing the project reads
 *   or keeps (inputs, landing files, ingested data, checkpoints, the MLflow store), and is never
 *   nor contains the workspace or the config's folder;
 * - ownership: an existing output is replaced only when it is empty or was written by this job
 *   (a folder holding OUTPUT_MARKER; a file or table whose columns are the prediction schema).
 */

/** Where data lives, normalised so that equal places compare equal. */
export type Place =
  /** An absolute local path (symbolic links resolved by the shell). */
  | { kind: 'local'; path: string }
  /** A /Volumes/<catalog>/<schema>/<volume>/… path of a remote workspace. */
  | { kind: 'volume'; path: string }
  /** A three-level table name, lower case. */
  | { kind: 'table'; name: string };

/** `a` relative to `b`: the same place, inside it, containing it, or unrelated. */
export type Relation = 'same' | 'inside' | 'contains' | 'apart';

/** The file that marks a folder as written by batch_inference_job (Spark and our readers skip names starting with "_"). */
export const OUTPUT_MARKER = '_mlops_output.json';

/** Columns every prediction output has (see output-schema.ts): a file or table with all of them is ours. */
export const PREDICTION_COLUMNS = ['prediction', 'model_name', 'model_version', 'scored_at'] as const;

export function relation(a: Place, b: Place): Relation {
  if (a.kind === 'table' || b.kind === 'table') return a.kind === 'table' && b.kind === 'table' && a.name === b.name ? 'same' : 'apart';
  if (a.kind !== b.kind) return 'apart';
  const left = trimSlash(a.path);
  const right = trimSlash(b.path);
  if (left === right) return 'same';
  if (isBelow(left, right)) return 'inside';
  if (isBelow(right, left)) return 'contains';
  return 'apart';
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function isBelow(child: string, parent: string): boolean {
  return child.startsWith(parent === '/' ? '/' : `${parent}/`);
}

/**
 * Something the output must keep away from. `overlap`: the output may not be it, contain it or lie
 * inside it (inputs, data, stores). `contain`: the output may not be it or contain it, but may lie
 * inside it (the workspace, the config's folder: outputs normally go there).
 */
export interface GuardedPlace {
  place: Place;
  /** What it is, for the message: e.g. `source_path of data_ingestion_job (./data/landing)`. */
  what: string;
  rule: 'overlap' | 'contain';
}

export interface PlacementConflict {
  guarded: GuardedPlace;
  /** The output relative to the guarded place. */
  relation: Exclude<Relation, 'apart'>;
}

/**
 * A guarded place the output may not be at, or undefined when it is clear of all of them: the one
 * the output is exactly, if any (the most telling message), else the first in `guarded`'s order.
 */
export function findPlacementConflict(output: Place, guarded: readonly GuardedPlace[]): PlacementConflict | undefined {
  let first: PlacementConflict | undefined;
  for (const guard of guarded) {
    const found = relation(output, guard.place);
    if (found === 'apart') continue;
    if (guard.rule === 'contain' && found === 'inside') continue;
    if (found === 'same') return { guarded: guard, relation: found };
    first ??= { guarded: guard, relation: found };
  }
  return first;
}

/** "is", "contains" or "is inside", for messages: `output_path … <phrase> <what>`. */
export function relationPhrase(found: Exclude<Relation, 'apart'>): string {
  return found === 'same' ? 'is' : found === 'contains' ? 'contains' : 'is inside';
}

/** What is at the output's place now, as the shell found it. */
export type ExistingOutput =
  | { kind: 'absent' }
  /** A folder; `entries` are the names of its direct children. */
  | { kind: 'folder'; entries: readonly string[] }
  /** A file (or table) and the names of its columns, undefined when it is not readable as a table. */
  | { kind: 'file'; columns: readonly string[] | undefined }
  | { kind: 'table'; columns: readonly string[] };

export type ReplaceDecision = { allowed: true } | { allowed: false; reason: string };

/**
 * May the job write `layout` output with `mode` over what is there? Appending only adds files, so
 * it needs a folder (of any origin); overwriting replaces, so it needs an empty place or ours.
 * Staging leftovers of an interrupted run (names starting with `ignoredPrefix`) do not count.
 */
export function decideReplace(existing: ExistingOutput, layout: 'file' | 'folder' | 'table', mode: 'overwrite' | 'append', ignoredPrefix = '.mlops-tmp-'): ReplaceDecision {
  if (existing.kind === 'absent') return { allowed: true };
  if (layout === 'table') {
    if (existing.kind !== 'table' || mode === 'append' || isPredictionColumns(existing.columns)) return { allowed: true };
    return refuse(`it is a table whose columns (${existing.columns.join(', ')}) are not those of predictions, so batch_inference_job did not write it`);
  }
  if (layout === 'file') {
    if (existing.kind === 'folder') return refuse('it is a folder, and a .parquet output_path names one file');
    if (existing.kind === 'file' && existing.columns !== undefined && isPredictionColumns(existing.columns)) return { allowed: true };
    return refuse(existing.kind === 'file' && existing.columns !== undefined
      ? `it is a Parquet file whose columns (${existing.columns.join(', ')}) are not those of predictions, so batch_inference_job did not write it`
      : 'it is a file that is not a Parquet file of predictions, so batch_inference_job did not write it');
  }
  if (existing.kind !== 'folder') return refuse('it is a file, and this output_path names a folder of part files');
  if (mode === 'append') return { allowed: true };
  const entries = existing.entries.filter((name) => !name.startsWith(ignoredPrefix));
  if (entries.length === 0 || entries.includes(OUTPUT_MARKER)) return { allowed: true };
  return refuse(`it is a folder that holds ${describeEntries(entries)} and no ${OUTPUT_MARKER}, so batch_inference_job did not write it`);
}

function isPredictionColumns(columns: readonly string[]): boolean {
  return PREDICTION_COLUMNS.every((column) => columns.includes(column));
}

function describeEntries(entries: readonly string[]): string {
  const shown = entries.slice(0, 3).map((name) => JSON.stringify(name)).join(', ');
  return entries.length > 3 ? `${shown} and ${entries.length - 3} more` : shown;
}

function refuse(reason: string): ReplaceDecision {
  return { allowed: false, reason };
}

/** The marker's content: who wrote the folder, for a person who finds it. */
export function outputMarker(writtenAt: number): string {
  return `${JSON.stringify({ written_by: 'mlops-e2e batch_inference_job', format: 1, written_at: new Date(writtenAt).toISOString() }, null, 2)}\n`;
}

/**
 * May a job keep writing into the folder it was given (data_ingestion_job's volume_path and
 * checkpoint_path), when it only ever writes the entries `ours`? Only when the place is absent or a
 * folder that holds nothing else: `owned` lists other entries the shell found to be ours (a folder
 * holding OUTPUT_MARKER). Staging leftovers (names starting with `ignoredPrefix`) do not count.
 */
export function decideWriteInto(existing: ExistingOutput, ours: readonly string[], owned: readonly string[] = [], ignoredPrefix = '.mlops-tmp-'): ReplaceDecision {
  if (existing.kind === 'absent') return { allowed: true };
  if (existing.kind !== 'folder') return refuse('it is a file, not a folder');
  const foreign = existing.entries.filter((name) => !name.startsWith(ignoredPrefix) && !ours.includes(name) && !owned.includes(name));
  if (foreign.length === 0) return { allowed: true };
  return refuse(`it is a folder that holds ${describeEntries(foreign)}, which the job did not write`);
}
