import { MlopsError } from '../../errors.js';
import type { StageContext } from '../context.js';
import { distinctLabels, toFeatureMatrix, toLabelIndices } from '../features.js';
import { readIngested } from '../ingest/read.js';
import { IRIS_FEATURES, IRIS_LABEL } from './dataset.js';
import type { LabelledSet } from './eval-set.js';

export interface LabelledData extends LabelledSet {
  /** Sorted, so class indices do not depend on row order. */
  labelNames: string[];
}

/** Every ingested row under data_path as features and class indices. NOT_FOUND when there is none. */
export async function loadLabelledData(ctx: StageContext, dataPath: string): Promise<LabelledData> {
  const table = await readIngested(ctx.workspace.volumes, dataPath, ctx.signal ? { signal: ctx.signal } : {});
  if (table.numRows === 0) {
    throw new MlopsError('NOT_FOUND', `No ingested rows under ${dataPath}: run data_ingestion_job first`, { details: { data_path: dataPath } });
  }
  const labelNames = distinctLabels(table, IRIS_LABEL);
  const { features, rows } = toFeatureMatrix(table, IRIS_FEATURES, dataPath);
  const labels = toLabelIndices(table, IRIS_LABEL, labelNames, dataPath);
  return { features, labels, rows, labelNames };
}
