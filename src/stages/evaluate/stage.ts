import type { StageDeclaration } from '../declaration.js';
import { MODEL_VERSION, modelFromParams } from '../model-ref.js';
import { text } from '../param-types.js';
import { EXPERIMENT_PATH, modelNameParam } from '../shared-params.js';
import { runEvaluate } from './evaluate.js';

interface EvaluateParams {
  model_name: string;
  model_version: string;
  experiment_path: string;
  data_path: string;
}

/** Scores the version trained earlier in the job, else model_name/model_version, on its evaluation set. */
export const evaluateStage: StageDeclaration<EvaluateParams, 'evaluation'> = {
  name: 'evaluate',
  summary: 'scores a model version (and the champion) on its fixed evaluation set',
  params: {
    model_name: modelNameParam({ required: false }),
    model_version: MODEL_VERSION,
    experiment_path: EXPERIMENT_PATH,
    data_path: text({ description: 'rows to evaluate on when the version stored no evaluation set' }),
  },
  check(params, available) {
    return !available.has('training') && !params.model_name ? [{ parameter: 'model_name', expected: 'the registered model to evaluate', found: '' }] : [];
  },
  reads: { training: 'optional' },
  produces: 'evaluation',
  async run(ctx, { params, upstream }) {
    const model = upstream.training?.model ?? (await modelFromParams(ctx, params.model_name, params.model_version));
    return runEvaluate(ctx, { model, experimentPath: params.experiment_path, ...(params.data_path ? { dataPath: params.data_path } : {}) });
  },
};
