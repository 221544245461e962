import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordingReporter } from '../../src/pipeline/reporter.js';
import type { StageContext } from '../../src/stages/context.js';
import type { IngestLedger } from '../../src/stages/ingest/ledger.js';
import { LedgerLog } from '../../src/stages/ingest/ledger-log.js';
import type { IngestParams } from '../../src/stages/ingest/params.js';
import type { LocalVolumeStore } from '../../src/workspace/local/volumes.js';
import { localStage } from './stage-context.js';

export const SAMPLE_LANDING = fileURLToPath(new URL('../../data/landing/', import.meta.url));
export const IRIS_HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';
export const VOLUME = '/Volumes/main/iris/vol';

export interface IngestSetup {
  dir: string;
  landing: string;
  ctx: StageContext;
  reporter: RecordingReporter;
  volumes: LocalVolumeStore;
  params: IngestParams;
  /** The local folder behind a volume sub-path (ingested, quarantine, checkpoints). */
  volumeDir(sub: string): string;
  ledger(): Promise<IngestLedger>;
}

/** A real local workspace (volumes, MLflow file store) in `dir`, with a landing folder ingested by relative path. */
export async function ingestSetup(dir: string, options: { copySample?: boolean; start?: number } = {}): Promise<IngestSetup> {
  const landing = path.join(dir, 'landing');
  await mkdir(landing, { recursive: true });
  if (options.copySample ?? true) {
    for (const name of await readdir(SAMPLE_LANDING)) await copyFile(path.join(SAMPLE_LANDING, name), path.join(landing, name));
  }
  const { ctx, reporter } = await localStage(dir, options.start === undefined ? {} : { start: options.start });
  const volumes = ctx.workspace.volumes as LocalVolumeStore;
  // Relative on purpose: it must resolve against config.configDir, not the process's directory.
  const params: IngestParams = {
    source_path: 'landing',
    volume_path: VOLUME,
    checkpoint_path: `${VOLUME}/checkpoints`,
    experiment_path: '/Shared/test/ingestion',
  };
  const volumeDir = (sub: string) => volumes.localPath(`${VOLUME}/${sub}`);
  return {
    dir,
    landing,
    ctx,
    reporter,
    volumes,
    params,
    volumeDir,
    ledger: async () => (await LedgerLog.open(volumes, params.checkpoint_path, 'unknown source', { readOnly: true })).ledger,
  };
}

/** Every file below a folder, relative and sorted ([] if the folder is missing). */
export async function listTree(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
      .sort();
  } catch {
    return [];
  }
}
