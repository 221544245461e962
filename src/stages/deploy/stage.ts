import type { StageDeclaration } from '../declaration.js';
import { MODEL_VERSION, modelFromParams } from '../model-ref.js';
import { modelNameParam } from '../shared-params.js';
import { runDeploy } from './deploy.js';

interface DeployParams {
  model_name: string;
  model_version: string;
}

/** Moves the champion alias to the approved version of this job (else model_name/model_version). */
export const deployStage: StageDeclaration<DeployParams, 'deployment'> = {
  name: 'deploy',
  summary: 'moves the champion alias to an approved version',
  params: { model_name: modelNameParam({ required: false }), model_version: MODEL_VERSION },
  check(params, available) {
    return !available.has('approval') && !available.has('training') && !params.model_name ? [{ parameter: 'model_name', expected: 'the registered model to deploy', found: '' }] : [];
  },
  reads: { approval: 'optional', training: 'optional' },
  produces: 'deployment',
  async run(ctx, { params, upstream }) {
    const model = upstream.approval?.model ?? upstream.training?.model ?? (await modelFromParams(ctx, params.model_name, params.model_version));
    return runDeploy(ctx, model);
  },
};
