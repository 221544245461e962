import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JOB_NAMES, type ApprovalConfig, type JobConfig, type JobName, type ResolvedConfig } from '../../src/config/types.js';
import { RecordingReporter } from '../../src/pipeline/reporter.js';
import type { StageContext } from '../../src/stages/context.js';
import { runIngest } from '../../src/stages/ingest/ingest.js';
import { openWorkspace } from '../../src/workspace/open.js';

export const LANDING = fileURLToPath(new URL('../../data/landing/', import.meta.url));
export const VOLUME = '/Volumes/main/iris/vol';
export const DATA_PATH = `${VOLUME}/ingested`;
export const MODEL_NAME = 'main.iris.classifier';
export const EXPERIMENT = '/Shared/test/iris';

export interface LocalStage {
  ctx: StageContext;
  reporter: RecordingReporter;
  /** The workspace root folder. */
  root: string;
}

/**
 * A real local workspace (volumes, tables, MLflow file store) rooted in `dir`, with a fixed
 * clock that advances one millisecond per reading so that runs are ordered but reproducible.
 */
export async function localStage(dir: string, options: { approval?: ApprovalConfig; variables?: Record<string, string>; start?: number } = {}): Promise<LocalStage> {
  const root = path.join(dir, 'workspace');
  const jobs = Object.fromEntries(JOB_NAMES.map((name) => [name, { name, displayName: `[test] ${name}`, parameters: {} } satisfies JobConfig])) as Record<JobName, JobConfig>;
  const config: ResolvedConfig = {
    configPath: path.join(dir, 'mlops.yml'),
    configDir: dir,
    bundle: { name: 'mlops-e2e-test' },
    target: 'dev',
    variables: options.variables ?? {},
    workspace: { type: 'local', root },
    trackingUri: `file://${path.join(root, 'mlruns')}`,
    approval: options.approval ?? { mode: 'enabled', thresholds: { accuracy: { threshold: 0.8, greaterIsBetter: true } } },
    jobs,
  };
  let clock = options.start ?? 1_750_000_000_000;
  const reporter = new RecordingReporter();
  const ctx: StageContext = { workspace: await openWorkspace(config, { env: {} }), config, reporter, now: () => clock++ };
  return { ctx, reporter, root };
}

/** Ingests the bundled Iris landing files (150 rows) under DATA_PATH. */
export async function ingestIris(ctx: StageContext): Promise<void> {
  await runIngest(ctx, { source_path: LANDING, volume_path: VOLUME, checkpoint_path: `${VOLUME}/checkpoints` });
}

/** model_training_job parameters for a quick, small training run. */
export function trainParams(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    model_name: MODEL_NAME,
    experiment_path: EXPERIMENT,
    data_path: DATA_PATH,
    pkl_path: '',
    epochs: '40',
    learning_rate: '0.05',
    hidden_units: '8',
    seed: '7',
    test_size: '0.2',
    ...overrides,
  };
}
