/**
 * Custom stage hooks: a policy check before training (refuse to train on too little data) and a
 * timing log after every stage. A hook that throws fails its stage, and the run can be resumed
 * later with `mlops run pipeline_job --resume <run id>`.
 * Run it with: npm run example -- stage-hook
 */
import { runPipeline, type JobHooks } from 'mlops-e2e';

const MIN_TRAINING_ROWS = 100;

const hooks: JobHooks = {
  beforeStage({ stage, state }) {
    if (stage === 'train') {
      const rows = state.ingestion?.rows_written ?? 0;
      // Rows ingested by this run; when nothing new arrived, earlier runs' data is used.
      if (state.ingestion && state.ingestion.files_ingested > 0 && rows < MIN_TRAINING_ROWS) {
        throw new Error(`only ${rows} new rows ingested; policy wants at least ${MIN_TRAINING_ROWS} before retraining`);
      }
    }
  },
  afterStage({ stage, record }) {
    console.log(`[hook] ${stage} ${record.status} after ${record.duration_ms} ms`);
  },
};

const result = await runPipeline({ hooks });
console.log(`status: ${result.status}`);
if (result.status !== 'succeeded') process.exitCode = 1;
