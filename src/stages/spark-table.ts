import type { DataFrame } from '../spark/dataframe.js';
import { isTableName } from './score/params.js';
import type { StageContext } from './context.js';

/** True when a data path names a table of the target's Spark engine rather than a volume folder. */
export function readsSparkTable(ctx: Pick<StageContext, 'spark'>, dataPath: string): boolean {
  return ctx.spark !== undefined && isTableName(dataPath);
}

/** Select lists (such as CompiledLayers.projections) run over `input` one after the other, each a selectExpr. */
export function projectAll(input: DataFrame, projections: readonly (readonly string[])[]): DataFrame {
  return projections.reduce((frame, projection) => frame.selectExpr(...projection), input);
}
