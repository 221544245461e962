import { randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { openSource } from '../../sources/open.js';
import { SourceFileChangedError } from '../../sources/types.js';
import type { Source, SourceFile } from '../../sources/types.js';
import { systemTags } from '../../tracking/system-tags.js';
import { getOrCreateExperiment, logMetrics, withRun } from '../../tracking/with-run.js';
import type { CallOptions, VolumeStore } from '../../workspace/types.js';
import type { StageContext } from '../context.js';
import { acquireCheckpointLock } from './checkpoint-lock.js';
import { commitEntry, withoutLeftovers, withPending } from './ledger.js';
import type { IngestLedger, LedgerEntry, PendingAttempt } from './ledger.js';
import { LedgerLog } from './ledger-log.js';
import type { OpenLedgerOptions } from './ledger-log.js';
import { writeStoredSchema } from './stored-schema.js';
import { outputStem } from './output.js';
import { planIngest } from './plan.js';
import type { PlannedFile } from './plan.js';
import { countMetrics, DATA_DIGEST_TAG, datasetDigest, INPUT_DIGEST_TAG, INPUT_FILES_ARTIFACT, inputDigest } from './record-run.js';
import type { InputFileRecord, RunCounts } from './record-run.js';
import { formatSchema } from './schema.js';
import { parseIngestSettings } from './params.js';
import type { IngestParams, IngestSettings } from './params.js';
import { VolumeSink } from './sink.js';
import type { IngestSink, SinkContext } from './sink.js';
import type { IngestStep, StepHook } from './steps.js';

export type { IngestParams } from './params.js';

export type { IngestResult } from '../state.js';
import type { IngestResult } from '../state.js';

export interface IngestOptions {
  /** AZURE_STORAGE_* variables for ADLS sources; default ctx.env, then process.env. */
  env?: Record<string, string | undefined>;
  /** ADLS: a credential to use instead of the environment's. */
  credential?: TokenCredential;
  /** Files per listing page (ADLS). */
  pageSize?: number;
  /** Replay: ingest only these source paths, again even if unchanged, replacing their earlier rows. */
  only?: readonly string[];
  /** Called between writes (see INGEST_STEPS); for fault-injection tests. */
  onStep?: StepHook;
}

/**
 * data_ingestion_job: lands new source files as Parquet under <volume_path>/ingested, exactly once.
 *
 * The ledger at <checkpoint_path>/ingest_ledger/ (a snapshot plus one delta file per commit, see
 * ledger-log.ts) says what is done. Before writing, the run records its attempts (their output-name
 * prefixes) as pending; each file's outputs are written and made durable, then one atomic delta write
 * commits them (and marks any rows they replace as obsolete), then the
 * obsolete files are deleted. A run that dies anywhere leaves either uncommitted outputs, which the next
 * run deletes by prefix before doing anything else, or obsolete ones, which it deletes: never a row twice,
 * never a row lost. Each ingestion is an MLflow run recording its inputs, counts and a data digest.
 */
export async function runIngest(ctx: StageContext, params: IngestParams, options: IngestOptions = {}): Promise<IngestResult> {
  return ingestWith(ctx, parseIngestSettings(params), options);
}

/** runIngest with its parameters already read (the ingest stage's declared run). */
export async function ingestWith(ctx: StageContext, settings: IngestSettings, options: IngestOptions = {}): Promise<IngestResult> {
  const call: CallOptions = ctx.signal === undefined ? {} : { signal: ctx.signal };
  const volumes = ctx.workspace.volumes;
  const log = (message: string): void => ctx.reporter.report({ type: 'log', stage: 'ingest', message });
  const step = async (name: IngestStep, detail: { file?: string; path?: string } = {}): Promise<void> => {
    await options.onStep?.(name, detail);
  };

  const source = await openSource(settings.sourcePath, {
    baseDir: ctx.config.configDir,
    env: options.env ?? ctx.env ?? process.env,
    ...(options.credential ? { credential: options.credential } : {}),
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
  });
  throwIfAborted(ctx.signal);
  const sinkContext: SinkContext = { source, volumes, settings, call, step, log };
  const sink: IngestSink = await chooseSink(ctx, settings, sinkContext);
  const { outputPath, quarantinePath } = sink;

  const release = await acquireCheckpointLock(volumes, settings.checkpointPath, `ingestion of ${source.url}`, ctx.now, call);
  try {
    const ledgerLog = await openLedger(volumes, settings.checkpointPath, source.url, log, { call, onStep: (name) => step(name) });
    let ledger: IngestLedger = ledgerLog.ledger.source === source.url ? ledgerLog.ledger : { ...ledgerLog.ledger, source: source.url };
    const experimentName =
      settings.experimentPath ?? ctx.config.jobs.model_training_job?.parameters.experiment_path ?? `/Shared/${ctx.config.bundle.name}/ingestion`;
    const experiment = await getOrCreateExperiment(ctx.workspace.tracking, experimentName, call);
    const tags = {
      ...(await systemTags({ sourceName: ctx.config.configPath ?? 'mlops-e2e', cwd: ctx.config.configDir })),
      'mlops.stage': 'ingest',
      'mlops.target': ctx.config.target,
      'mlops.source': source.url,
    };
    const runName = options.only === undefined ? 'ingest' : 'ingest-replay';
    return await withRun(ctx.workspace.tracking, { experimentId: experiment.experimentId, runName, tags, parentRunId: ctx.parentRunId, now: ctx.now, ...call }, async (run) => {
      await ctx.workspace.tracking.logBatch(run.runId, { params: runParams(settings, source, outputPath, quarantinePath, options.only) }, call);

      ledger = await recoverWith(sink, ledgerLog, ledger, log);
      await step('recovered');

      const listing: SourceFile[] = [];
      for await (const file of source.list(call)) listing.push(file);
      await step('listed');
      if (options.only !== undefined) {
        const listed = new Set(listing.map((file) => file.path));
        const absent = options.only.filter((path) => !listed.has(path));
        if (absent.length > 0) {
          throw new MlopsError('NOT_FOUND', `Cannot replay ${absent.join(', ')}: not in ${source.url} (paths are relative to the source folder)`, {
            details: { files: absent, source: source.url },
          });
        }
      }
      const plan = planIngest(ledger.files, listing, { format: settings.format, onChange: settings.onChange, ...(options.only ? { only: options.only } : {}) });
      if (plan.changedRefused.length > 0) {
        throw new MlopsError(
          'INVALID_ARGUMENT',
          `${plan.changedRefused.map(describeChange).join('; ')}: changed in place since ingested and on_change is fail. ` +
            'Replay them (mlops ingest replay <file>) to replace their rows, or set on_change to reingest or ignore.',
          { details: { files: plan.changedRefused.map((planned) => planned.file.path) } },
        );
      }
      log(`${source.url}: ${listing.length} file(s) listed, ${plan.toIngest.length} to ingest, ${plan.unchanged.length} already ingested`);
      if (plan.ignored.length > 0) {
        log(`Ignoring ${plan.ignored.length} file(s) whose format is not known from the extension (set format to read them): ${plan.ignored.map((file) => file.path).join(', ')}`);
      }
      for (const planned of plan.changedIgnored) log(`${describeChange(planned)}: changed in place; on_change is ignore, so its earlier rows stay and the new version is not read`);
      for (const planned of plan.toIngest) {
        if (planned.reason === 'changed') log(`${describeChange(planned)}: changed in place; re-ingesting it, its earlier rows will be replaced`);
      }

      await sink.prepare();
      const ingestedAt = ctx.now();
      const attemptId = randomUUID();
      const attempts = plan.toIngest.map((planned) => {
        const stem = outputStem(planned.file.path, attemptId);
        const pending: PendingAttempt = {
          source_path: planned.file.path,
          etag: planned.file.etag,
          started_at: ingestedAt,
          prefixes: sink.attemptPrefixes(stem, ingestedAt),
        };
        return { planned, stem, pending };
      });
      if (attempts.length > 0) {
        ledger = withPending(ledger, attempts.map((attempt) => attempt.pending));
        await ledgerLog.commit(ledger);
        await step('intent-written');
      }

      const inputs: InputFileRecord[] = [];
      const deferred: PendingAttempt[] = [];
      let bytesRead = 0;
      for (const [index, { planned, stem, pending }] of attempts.entries()) {
        throwIfAborted(ctx.signal);
        const { file } = planned;
        let outcome;
        try {
          outcome = await sink.ingest(file, planned.format, stem, ingestedAt);
        } catch (error) {
          if (error instanceof SourceFileChangedError) {
            log(error.message);
            deferred.push(pending);
            continue;
          }
          throw error;
        }
        bytesRead += outcome.bytesRead;
        await step('outputs-written', { file: file.path });
        const entry: LedgerEntry = {
          source_path: file.path,
          format: planned.format,
          status: outcome.status,
          etag: file.etag,
          size: file.size,
          modified_at: file.modifiedAt,
          sha256: outcome.sha256,
          output_files: outcome.outputFiles,
          quarantine_files: outcome.quarantineFiles,
          rows: outcome.rows,
          rows_quarantined: outcome.rowsQuarantined,
          reason: outcome.reason,
          ingested_at: ingestedAt,
          run_id: run.runId,
        };
        ledger = commitEntry(ledger, entry);
        await ledgerLog.commit(ledger);
        await step('committed', { file: file.path });
        if (ledger.obsolete.length > 0) {
          const obsolete = ledger.obsolete;
          await sink.deleteOutputs(obsolete);
          ledger = withoutLeftovers(ledger, [], obsolete);
          await step('obsolete-deleted', { file: file.path });
        }
        inputs.push({
          path: file.path,
          url: source.fileUrl(file),
          format: planned.format,
          etag: file.etag,
          size: file.size,
          modified_at: file.modifiedAt,
          sha256: outcome.sha256,
          status: outcome.status,
          rows: outcome.rows,
          rows_quarantined: outcome.rowsQuarantined,
          output_files: outcome.outputFiles,
          quarantine_files: outcome.quarantineFiles,
          reason: outcome.reason,
        });
        if (outcome.status === 'ingested') {
          log(`${file.path}: ${outcome.rows} row(s) in ${outcome.outputFiles.length} part(s)${outcome.rowsQuarantined > 0 ? `, ${outcome.rowsQuarantined} quarantined` : ''}`);
        }
        ctx.reporter.report({ type: 'progress', stage: 'ingest', done: index + 1, total: attempts.length, unit: 'files' });
      }

      // Files that changed while being read: remove whatever their attempt left, and forget the attempt.
      for (const pending of deferred) await sink.deleteAttempt(pending);
      const leftovers = ledger.pending.filter((pending) => attempts.some((attempt) => attempt.pending === pending));
      if (attempts.length > 0) {
        ledger = withoutLeftovers(ledger, leftovers, []);
        await ledgerLog.commit(ledger);
      }
      await ledgerLog.compact();
      // Stored beside the data once it is committed: training reads its label and features from it when its schema parameter is not set.
      // A Spark table has no folder beside it to hold the file; there training takes its schema parameter.
      if (sink instanceof VolumeSink) await writeStoredSchema(volumes, outputPath, settings.schema, call);

      const ingested = inputs.filter((input) => input.status === 'ingested');
      const counts: RunCounts = {
        files_listed: listing.length,
        files_ingested: ingested.length,
        files_skipped: plan.unchanged.length,
        files_quarantined: inputs.length - ingested.length,
        files_changed: plan.toIngest.filter((planned) => planned.reason === 'changed').length + plan.changedIgnored.length,
        files_deferred: deferred.length,
        rows_written: ingested.reduce((sum, input) => sum + input.rows, 0),
        rows_quarantined: inputs.reduce((sum, input) => sum + input.rows_quarantined, 0),
        bytes_read: bytesRead,
      };
      const dataDigest = datasetDigest(ledger.files);
      const tracking = ctx.workspace.tracking;
      await logMetrics(tracking, run.runId, countMetrics(counts, ctx.now()), call);
      await tracking.logArtifact(run.runId, INPUT_FILES_ARTIFACT, `${JSON.stringify(inputs, null, 2)}\n`, call);
      await tracking.logBatch(run.runId, { tags: { [DATA_DIGEST_TAG]: dataDigest, [INPUT_DIGEST_TAG]: inputDigest(inputs) } }, call);

      const result: IngestResult = {
        files_listed: counts.files_listed,
        files_ingested: counts.files_ingested,
        files_skipped: counts.files_skipped,
        files_quarantined: counts.files_quarantined,
        files_changed: counts.files_changed,
        files_deferred: counts.files_deferred,
        rows_written: counts.rows_written,
        rows_quarantined: counts.rows_quarantined,
        output_path: outputPath,
        quarantine_path: quarantinePath,
        files: ingested.map((input) => input.path),
        quarantined_files: inputs.filter((input) => input.status === 'quarantined').map((input) => ({ path: input.path, reason: input.reason ?? '' })),
        changed_files: [
          ...plan.toIngest.filter((planned) => planned.reason === 'changed').map((planned) => ({ path: planned.file.path, action: 'reingested' as const })),
          ...plan.changedIgnored.map((planned) => ({ path: planned.file.path, action: 'ignored' as const })),
        ],
        run_id: run.runId,
        data_digest: dataDigest,
      };
      log(
        `Ingested ${result.files_ingested} file(s): ${result.rows_written} row(s) written, ${result.rows_quarantined} row(s) and ` +
          `${result.files_quarantined} file(s) quarantined, into ${outputPath}${ctx.spark !== undefined && settings.ingestedTable !== '' ? ` through Spark at ${ctx.spark.remote}` : ''}`,
      );
      await step('finished');
      return result;
    });
  } finally {
    await release();
  }
}

/** Opens the ledger for writing (the caller holds the checkpoint lock); a ledger of another source is noted and its entries kept. */
export async function openLedger(volumes: VolumeStore, checkpointPath: string, sourceUrl: string, log: (message: string) => void, options: OpenLedgerOptions): Promise<LedgerLog> {
  const ledgerLog = await LedgerLog.open(volumes, checkpointPath, sourceUrl, options);
  if (ledgerLog.ledger.source !== sourceUrl) {
    log(`The ledger ${ledgerLog.location} was written for source ${ledgerLog.ledger.source}; now reading ${sourceUrl}. Files are matched by relative path.`);
  }
  return ledgerLog;
}

/**
 * Finishes what an interrupted run left: deletes the outputs of attempts that never committed (volume
 * files by their name prefixes, Spark partitions by attempt) and the outputs a commit replaced, then
 * records that in the ledger.
 */
export async function recoverWith(sink: Pick<IngestSink, 'deleteAttempt' | 'deleteOutputs'>, ledgerLog: LedgerLog, ledger: IngestLedger, log: (message: string) => void): Promise<IngestLedger> {
  if (ledger.pending.length === 0 && ledger.obsolete.length === 0) return ledger;
  let removed = 0;
  for (const attempt of ledger.pending) removed += await sink.deleteAttempt(attempt);
  removed += await sink.deleteOutputs(ledger.obsolete);
  const recovered = withoutLeftovers(ledger, ledger.pending, ledger.obsolete);
  await ledgerLog.commit(recovered);
  log(
    `Recovered from an interrupted ingestion: removed ${removed} uncommitted or replaced output(s) ` +
      `(${ledger.pending.length} unfinished attempt(s): ${ledger.pending.map((attempt) => attempt.source_path).join(', ') || 'none'})`,
  );
  return recovered;
}

/**
 * The local engine writes Parquet to the volume; with the target's Spark engine and ingested_table set,
 * Spark reads the files and appends to tables. Either one without the other is a configuration mistake.
 */
export async function chooseSink(ctx: StageContext, settings: IngestSettings, sinkContext: SinkContext): Promise<IngestSink> {
  if (ctx.spark !== undefined && settings.ingestedTable !== '') {
    // Loaded only on Spark: the Spark Connect client's generated protos cost a local run ~0.15 s to load.
    const { SparkSink } = await import('./spark/spark-sink.js');
    return new SparkSink(sinkContext, ctx.spark);
  }
  if (ctx.spark !== undefined) {
    throw new MlopsError('CONFIG_INVALID', `The target's engine is Spark (${ctx.spark.remote}): set the ingest parameter ingested_table (catalog.schema.table) to the table Spark appends the good rows to`, {
      details: { parameter: 'ingested_table' },
    });
  }
  if (settings.ingestedTable !== '') {
    throw new MlopsError('CONFIG_INVALID', `The ingest parameter ingested_table is ${settings.ingestedTable}, but the target has no Spark engine to write it: set engine: { spark: … } on the target, or ingested_table to ''`, {
      details: { parameter: 'ingested_table' },
    });
  }
  return new VolumeSink(sinkContext);
}

function runParams(settings: IngestSettings, source: Source, outputPath: string, quarantinePath: string, only: readonly string[] | undefined): Record<string, string> {
  return {
    source_path: source.url,
    volume_path: settings.volumePath,
    checkpoint_path: settings.checkpointPath,
    format: settings.format,
    schema: formatSchema(settings.schema),
    on_change: settings.onChange,
    on_bad_file: settings.onBadFile,
    on_extra_columns: settings.onExtraColumns,
    max_rows_per_file: String(settings.maxRowsPerFile),
    output_path: outputPath,
    quarantine_path: quarantinePath,
    ...(settings.ingestedTable !== '' ? { ingested_table: settings.ingestedTable } : {}),
    ...(only === undefined ? {} : { replay: only.join(',').slice(0, 5000) }),
  };
}

function describeChange(planned: PlannedFile): string {
  return `${planned.file.path} (etag ${planned.previous?.etag ?? '?'} → ${planned.file.etag})`;
}
