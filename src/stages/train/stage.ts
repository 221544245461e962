import type { StageDeclaration } from '../declaration.js';
import { ingestedFingerprint } from '../ingest/read.js';
import { formatSchema } from '../ingest/schema.js';
import { modelVersionStands } from '../model-ref.js';
import { TRAIN_PARAMS, type TrainParams } from './params.js';
import { readsSparkTable } from '../spark-table.js';
import { train, trainingSchema } from './train.js';

/** model_training_job's stage: trains (or imports a pickle), logs and registers a model version. */
export const trainStage: StageDeclaration<TrainParams, 'training'> = {
  ...TRAIN_PARAMS,
  summary: 'trains a classifier on the ingested rows (or imports a scikit-learn pickle) and registers a new version',
  reads: {},
  produces: 'training',
  run: (ctx, { params }) => train(ctx, params),
  cache: {
    // The ingested files (names, sizes, times) and the schema read: the same rows, seed and code give
    // the same weights. A pickle import is not cached: the file at pkl_path may change unseen; nor is
    // training on a Spark table: outside Delta it has no version to compare.
    async inputs(ctx, { params }) {
      if (params.pkl_path || readsSparkTable(ctx, params.data_path)) return undefined;
      const call = ctx.signal ? { signal: ctx.signal } : {};
      return { data: await ingestedFingerprint(ctx.workspace.volumes, params.data_path, call), schema: formatSchema(await trainingSchema(ctx, params)) };
    },
    experiment: (params) => params.experiment_path,
    stillValid: (ctx, output) => modelVersionStands(ctx, output.model),
  },
};
