import type { StageDeclaration } from '../declaration.js';
import { currentChampion } from '../deploy/deploy.js';
import { pathFingerprint } from '../ingest/read.js';
import { MODEL_VERSION, modelFromParams, modelVersionStands } from '../model-ref.js';
import { text } from '../param-types.js';
import { CACHE_PARAM, EXPERIMENT_PATH, modelNameParam } from '../shared-params.js';
import { readsSparkTable } from '../spark-table.js';
import { runEvaluate } from './evaluate.js';

interface EvaluateParams {
  model_name: string;
  model_version: string;
  experiment_path: string;
  data_path: string;
  cache: boolean;
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
    cache: CACHE_PARAM,
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
  cache: {
    // The version scored (its evaluation set is stored with it), the champion it is compared with
    // (none when it is the champion itself, as evaluation then compares nothing) and data_path's files.
    async inputs(ctx, { params, upstream }) {
      if (readsSparkTable(ctx, params.data_path)) return undefined;
      const model = upstream.training?.model ?? (await modelFromParams(ctx, params.model_name, params.model_version));
      const champion = await currentChampion(ctx, model.name);
      const call = ctx.signal ? { signal: ctx.signal } : {};
      return {
        model: `${model.name}/${model.version}`,
        champion: champion === undefined || champion === model.version ? '' : champion,
        data: params.data_path ? await pathFingerprint(ctx.workspace.volumes, params.data_path, call) : '',
      };
    },
    experiment: (params) => params.experiment_path,
    stillValid: (ctx, output) => modelVersionStands(ctx, output.model),
  },
};
