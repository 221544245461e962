import type { StageDeclaration } from '../declaration.js';
import { TRAIN_PARAMS, type TrainParams } from './params.js';
import { train } from './train.js';

/** model_training_job's stage: trains (or imports a pickle), logs and registers a model version. */
export const trainStage: StageDeclaration<TrainParams, 'training'> = {
  ...TRAIN_PARAMS,
  summary: 'trains a classifier on the ingested rows (or imports a scikit-learn pickle) and registers a new version',
  reads: {},
  produces: 'training',
  run: (ctx, { params }) => train(ctx, params),
};
