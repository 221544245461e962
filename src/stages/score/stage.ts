import type { StageDeclaration } from '../declaration.js';
import { SCORE_PARAMS, scoreJobOptions, type ScoreParams } from './params.js';
import { scoreWith } from './score.js';

/** batch_inference_job's stage: streams the input through a model into predictions. */
export const scoreStage: StageDeclaration<ScoreParams, 'predictions'> = {
  ...SCORE_PARAMS,
  summary: 'scores Parquet or a table with a registered model (default the champion) into predictions',
  reads: {},
  produces: 'predictions',
  run: (ctx, { params }) => scoreWith(ctx, scoreJobOptions(params)),
};
