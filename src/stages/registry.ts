import type { StageName } from '../config/types.js';
import { approveStage } from './approve/stage.js';
import type { StageDeclaration } from './declaration.js';
import { deployStage } from './deploy/stage.js';
import { evaluateStage } from './evaluate/stage.js';
import { ingestStage } from './ingest/stage.js';
import { scoreStage } from './score/stage.js';
import { trainStage } from './train/stage.js';

/** Every stage, by name: the runner needs nothing else to validate, order, run and resume a job. */
export const STAGES: Readonly<Record<StageName, StageDeclaration>> = {
  ingest: ingestStage,
  train: trainStage,
  evaluate: evaluateStage,
  approve: approveStage,
  deploy: deployStage,
  score: scoreStage,
};
