/**
 * The points between the writes of an ingestion, in order. A hook called at each lets tests stop the
 * process there (kill -9) and check that a rerun neither loses nor duplicates rows.
 */
export const INGEST_STEPS = [
  /** A single-file ledger of an earlier release was converted: the new snapshot is written, the old file not yet deleted. */
  'migrated',
  /** Leftovers of an interrupted run were deleted and the ledger rewritten. */
  'recovered',
  /** The source was listed; nothing written yet. */
  'listed',
  /** The ledger records the attempts about to write (their output name prefixes). */
  'intent-written',
  /** One Parquet part (ingested or quarantine) is durable on the volume. */
  'part-written',
  /** Every output of one file is durable; the ledger does not name them yet. */
  'outputs-written',
  /** The ledger names the file's outputs (the commit: one delta file). */
  'committed',
  /** The outputs the commit replaced are deleted. */
  'obsolete-deleted',
  /** A ledger snapshot is written; the deltas it covers are not yet deleted. */
  'compacted',
  /** All files done, before the MLflow run is closed. */
  'finished',
] as const;

export type IngestStep = (typeof INGEST_STEPS)[number];

export type StepHook = (step: IngestStep, detail: { file?: string; path?: string }) => void | Promise<void>;
