import { systemTags } from '../../tracking/system-tags.js';
import type { Experiment, RunInfo } from '../../tracking/types.js';
import { getOrCreateExperiment, withRun } from '../../tracking/with-run.js';
import type { StageContext } from '../context.js';

export interface TrainingRunInput {
  modelName: string;
  experimentName: string;
  /** e.g. "train" or "import": the run is named `<verb>-<model's last name part>`. */
  verb: string;
  /** Run tags beyond the system and stage tags. */
  tags?: Record<string, string>;
}

/** Runs `body` inside a training-stage MLflow run of the experiment (created when absent). */
export async function withTrainingRun<T>(
  ctx: StageContext,
  input: TrainingRunInput,
  body: (run: RunInfo, experiment: Experiment) => Promise<T>,
): Promise<T> {
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const experiment = await getOrCreateExperiment(ctx.workspace.tracking, input.experimentName, signal);
  const tags = {
    ...(await systemTags({ sourceName: ctx.config.configPath ?? 'mlops-e2e', cwd: ctx.config.configDir })),
    'mlops.stage': 'train',
    'mlops.target': ctx.config.target,
    'mlops.model_name': input.modelName,
    ...input.tags,
  };
  const runName = `${input.verb}-${input.modelName.split('.').pop()}`;
  return withRun(ctx.workspace.tracking, { experimentId: experiment.experimentId, runName, tags, parentRunId: ctx.parentRunId, now: ctx.now, ...signal }, (run) => body(run, experiment));
}
