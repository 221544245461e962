import { readFile } from 'node:fs/promises';
import type { StageContext } from '../../src/stages/context.js';
import { runTrain } from '../../src/stages/train/train.js';
import { MODEL_NAME, VOLUME, trainParams } from './stage-context.js';

const FIXTURE = new URL('../fixtures/sklearn/iris_pipeline_logreg.pkl', import.meta.url);

/**
 * Registers `count` versions of MODEL_NAME quickly (imports of a scikit-learn fixture, no data
 * needed) and marks each approved, as the approve stage would.
 */
export async function approvedVersions(ctx: StageContext, count: number): Promise<string[]> {
  await ctx.workspace.volumes.write(`${VOLUME}/model.pkl`, await readFile(FIXTURE));
  const versions: string[] = [];
  for (let i = 0; i < count; i++) {
    const { model } = await runTrain(ctx, trainParams({ pkl_path: `${VOLUME}/model.pkl`, data_path: '' }));
    await ctx.workspace.registry.setModelVersionTag(MODEL_NAME, model.version, 'mlops.approval_status', 'approved');
    versions.push(model.version);
  }
  return versions;
}
