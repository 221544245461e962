import { MlopsError } from '../../errors.js';
import type { Source, SourceFile } from '../../sources/types.js';
import type { CallOptions, VolumeStore } from '../../workspace/types.js';
import { ingestFile } from './ingest-file.js';
import type { FileOutcome } from './ingest-file.js';
import type { PendingAttempt } from './ledger.js';
import { INGESTED_FOLDER, joinVolumePath, partitionFolder, QUARANTINE_FOLDER, QUARANTINED_FILES_FOLDER } from './output.js';
import type { FileFormat } from './params.js';
import type { IngestSettings } from './params.js';
import { SPARK_OUTPUT_SCHEME } from './spark/compile.js';
import type { StepHook } from './steps.js';

/** What a sink needs from the run that drives it. */
export interface SinkContext {
  source: Source;
  volumes: VolumeStore;
  settings: IngestSettings;
  call: CallOptions;
  step: StepHook;
  log: (message: string) => void;
}

/**
 * Where an ingestion puts rows: Parquet parts on the workspace volume, or tables through Spark. The
 * run (ingest.ts) owns the ledger and the order of writes; a sink writes one file's outputs under
 * names the ledger recorded beforehand, and deletes outputs the ledger says are uncommitted or replaced.
 */
export interface IngestSink {
  /** Where good rows go, for the run's parameters and result: a volume folder or a table name. */
  readonly outputPath: string;
  readonly quarantinePath: string;
  /** Before any file is written (a folder made, tables created). */
  prepare(): Promise<void>;
  /** Where the attempt `stem` at a file will write, recorded in the ledger before it does. */
  attemptPrefixes(stem: string, ingestedAt: number): PendingAttempt['prefixes'];
  /** Who writes the attempt, when a rerun must stop it before deleting (Spark); after prepare(). */
  attemptWriter(stem: string): PendingAttempt['spark'];
  /** Writes one file's good and quarantined rows; nothing here touches the ledger. */
  ingest(file: SourceFile, format: FileFormat, stem: string, ingestedAt: number): Promise<FileOutcome>;
  /** Deletes whatever an attempt wrote; returns how many outputs there were. */
  deleteAttempt(attempt: PendingAttempt): Promise<number>;
  /** Deletes outputs a newer commit replaced (or an interrupted run left obsolete); returns how many existed. */
  deleteOutputs(paths: readonly string[]): Promise<number>;
}

/** The local engine's sink: Parquet parts under <volume_path>/ingested and /quarantine (ingest-file.ts). */
export class VolumeSink implements IngestSink {
  readonly outputPath: string;
  readonly quarantinePath: string;
  readonly #ctx: SinkContext;

  constructor(ctx: SinkContext) {
    this.#ctx = ctx;
    this.outputPath = joinVolumePath(ctx.settings.volumePath, INGESTED_FOLDER);
    this.quarantinePath = joinVolumePath(ctx.settings.volumePath, QUARANTINE_FOLDER);
  }

  attemptWriter(): undefined {
    // Volume writes are this process's own: they end with it.
    return undefined;
  }

  async prepare(): Promise<void> {
    // Even a run with nothing new leaves the output folder, so readers find an empty dataset, not a missing one.
    await this.#ctx.volumes.mkdirs(this.outputPath, this.#ctx.call);
  }

  #folders(ingestedAt: number) {
    return {
      outputFolder: partitionFolder(this.outputPath, ingestedAt),
      quarantineFolder: partitionFolder(this.quarantinePath, ingestedAt),
      filesFolder: partitionFolder(joinVolumePath(this.quarantinePath, QUARANTINED_FILES_FOLDER), ingestedAt),
    };
  }

  attemptPrefixes(stem: string, ingestedAt: number): PendingAttempt['prefixes'] {
    const { outputFolder, quarantineFolder, filesFolder } = this.#folders(ingestedAt);
    return [
      { folder: outputFolder, name_prefix: `${stem}.` },
      { folder: quarantineFolder, name_prefix: `${stem}.` },
      { folder: filesFolder, name_prefix: stem },
    ];
  }

  ingest(file: SourceFile, format: FileFormat, stem: string, ingestedAt: number): Promise<FileOutcome> {
    const { source, volumes, call, settings, step, log } = this.#ctx;
    const context = {
      source,
      volumes,
      call,
      schema: settings.schema,
      onBadFile: settings.onBadFile,
      onExtraColumns: settings.onExtraColumns,
      maxRowsPerFile: settings.maxRowsPerFile,
      ingestedAt,
      ...this.#folders(ingestedAt),
      step,
      log,
    };
    return ingestFile(context, file, format, stem);
  }

  deleteAttempt(attempt: PendingAttempt): Promise<number> {
    return deleteVolumeAttempt(this.#ctx.volumes, attempt, this.#ctx.call);
  }

  deleteOutputs(paths: readonly string[]): Promise<number> {
    return deleteVolumeOutputs(this.#ctx.volumes, paths, this.#ctx.call);
  }
}

/** Deletes every volume file of an attempt (by its name prefixes); returns how many there were. */
export async function deleteVolumeAttempt(volumes: VolumeStore, attempt: PendingAttempt, call: CallOptions): Promise<number> {
  let removed = 0;
  for (const { folder, name_prefix: prefix } of attempt.prefixes) {
    if (folder.startsWith(SPARK_OUTPUT_SCHEME)) throw sparkOutputsWithoutSpark(`${folder}/${prefix}`);
    let entries: string[] = [];
    try {
      for await (const entry of volumes.list(folder, call)) {
        const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
        if (name.startsWith(prefix)) entries.push(entry.path);
      }
    } catch (error) {
      if (error instanceof MlopsError && error.code === 'NOT_FOUND') entries = [];
      else throw error;
    }
    for (const path of entries) {
      await volumes.delete(path, call);
      removed++;
    }
  }
  return removed;
}

/** Deletes volume files; returns how many existed. */
export async function deleteVolumeOutputs(volumes: VolumeStore, paths: readonly string[], call: CallOptions): Promise<number> {
  let removed = 0;
  for (const path of paths) {
    if (path.startsWith(SPARK_OUTPUT_SCHEME)) throw sparkOutputsWithoutSpark(path);
    if (await volumes.exists(path, call)) removed++;
    await volumes.delete(path, call);
  }
  return removed;
}

function sparkOutputsWithoutSpark(output: string): MlopsError {
  return new MlopsError(
    'CONFIG_INVALID',
    `The ingest ledger names ${output}, written through Spark; this run has no Spark engine to remove it. Run the ingestion on the target whose engine is Spark.`,
    { details: { output } },
  );
}
