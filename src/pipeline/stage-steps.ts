import type { StageName } from '../config/types.js';
import { MlopsError } from '../errors.js';
import { runApprove } from '../stages/approve/approve.js';
import type { StageContext } from '../stages/context.js';
import { runDeploy } from '../stages/deploy/deploy.js';
import { runEvaluate } from '../stages/evaluate/evaluate.js';
import { runIngest } from '../stages/ingest/ingest.js';
import { runScore } from '../stages/score/score.js';
import { runTrain } from '../stages/train/train.js';
import { formatModelUri } from '../tracking/model-uri.js';
import type { ModelRef, PipelineState } from './state.js';

export interface StepOutcome {
  state: PipelineState;
  /** Set when the job must stop here without failing (a rejected model version). */
  halt?: 'rejected';
}

export type StageStep = (ctx: StageContext, params: Record<string, string>, state: PipelineState) => Promise<StepOutcome>;

/**
 * How each stage takes its inputs: from the previous stages of the same job run when they ran,
 * else from the job's parameters (so model_deployment_job works on its own, as in the reference).
 */
export const STAGE_STEPS: Record<StageName, StageStep> = {
  async ingest(ctx, params, state) {
    // Every data_ingestion_job parameter (format, schema, on_change, …); runIngest validates them.
    const ingestion = await runIngest(ctx, {
      ...params,
      source_path: required(params, 'source_path'),
      volume_path: required(params, 'volume_path'),
      checkpoint_path: required(params, 'checkpoint_path'),
    });
    return { state: { ...state, ingestion } };
  },
  async train(ctx, params, state) {
    const training = await runTrain(ctx, params);
    return { state: { ...state, training } };
  },
  async evaluate(ctx, params, state) {
    const model = state.training?.model ?? (await modelFromParams(ctx, params));
    const evaluation = await runEvaluate(ctx, { model, experimentPath: required(params, 'experiment_path'), dataPath: params.data_path });
    return { state: { ...state, evaluation } };
  },
  async approve(ctx, _params, state) {
    if (!state.evaluation) throw new MlopsError('INTERNAL', 'approve needs the evaluate stage to have run first in the same job');
    const approval = await runApprove(ctx, state.evaluation);
    return { state: { ...state, approval }, ...(approval.verdict.status === 'rejected' ? { halt: 'rejected' as const } : {}) };
  },
  async deploy(ctx, params, state) {
    const model = state.approval?.model ?? state.training?.model ?? (await modelFromParams(ctx, params));
    const deployment = await runDeploy(ctx, model);
    return { state: { ...state, deployment } };
  },
  async score(ctx, params, state) {
    const predictions = await runScore(ctx, params, state);
    return { state: { ...state, predictions } };
  },
};

function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') {
    throw new MlopsError('CONFIG_INVALID', `Job parameter "${name}" is required but is ${value === undefined ? 'missing' : 'empty'}`, {
      details: { parameter: name },
    });
  }
  return value;
}

/** model_name + model_version ("" or "latest" = the newest version) → a model reference. */
async function modelFromParams(ctx: StageContext, params: Record<string, string>): Promise<ModelRef> {
  const name = required(params, 'model_name');
  const wanted = params.model_version ?? '';
  let version = wanted;
  if (wanted === '' || wanted === 'latest') {
    const versions = await ctx.workspace.registry.listModelVersions(name, { signal: ctx.signal });
    const newest = versions[0];
    if (!newest) throw new MlopsError('NOT_FOUND', `Registered model "${name}" has no versions: run model_training_job first`, { details: { name } });
    version = newest.version;
  }
  return { name, version, uri: formatModelUri({ kind: 'version', name, version }) };
}
