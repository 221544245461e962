import type { SourceFile } from '../../sources/types.js';
import type { LedgerEntry } from './ledger.js';
import { formatOf } from './params.js';
import type { FileFormat, FormatSetting, OnChange } from './params.js';

export interface PlannedFile {
  file: SourceFile;
  format: FileFormat;
  /** new: never processed; changed: processed with another etag; replay: asked for explicitly. */
  reason: 'new' | 'changed' | 'replay';
  /** The ledger entry of the version processed before, if any. */
  previous?: LedgerEntry;
}

export interface IngestPlan {
  toIngest: PlannedFile[];
  /** Already processed with the same etag. */
  unchanged: SourceFile[];
  /** Files whose format auto cannot tell from the extension; left alone. */
  ignored: SourceFile[];
  /** Changed in place but on_change is ignore: their earlier rows stay, the new version is not read. */
  changedIgnored: PlannedFile[];
  /** Changed in place and on_change is fail: the run stops before writing anything. */
  changedRefused: PlannedFile[];
  /** In the ledger but no longer in the source (their rows stay). */
  missing: LedgerEntry[];
}

export interface PlanOptions {
  format: FormatSetting;
  onChange: OnChange;
  /** Replay: only these source paths, processed again even if unchanged. */
  only?: readonly string[];
}

/** Decides what to do with each listed file, given what the ledger says was processed. Pure. */
export function planIngest(ledger: readonly LedgerEntry[], listing: readonly SourceFile[], options: PlanOptions): IngestPlan {
  const processed = new Map(ledger.map((entry) => [entry.source_path, entry]));
  const listed = new Set(listing.map((file) => file.path));
  const only = options.only === undefined ? undefined : new Set(options.only);
  const plan: IngestPlan = { toIngest: [], unchanged: [], ignored: [], changedIgnored: [], changedRefused: [], missing: [] };
  for (const file of listing) {
    if (only !== undefined && !only.has(file.path)) continue;
    const format = formatOf(file.path, options.format);
    if (format === undefined) {
      plan.ignored.push(file);
      continue;
    }
    const previous = processed.get(file.path);
    const withPrevious = previous === undefined ? {} : { previous };
    if (only !== undefined) plan.toIngest.push({ file, format, reason: 'replay', ...withPrevious });
    else if (previous === undefined) plan.toIngest.push({ file, format, reason: 'new' });
    else if (previous.etag === file.etag) plan.unchanged.push(file);
    else {
      const planned: PlannedFile = { file, format, reason: 'changed', previous };
      if (options.onChange === 'reingest') plan.toIngest.push(planned);
      else if (options.onChange === 'ignore') plan.changedIgnored.push(planned);
      else plan.changedRefused.push(planned);
    }
  }
  if (only === undefined) plan.missing = ledger.filter((entry) => !listed.has(entry.source_path));
  return plan;
}
