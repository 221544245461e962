import { isTableName } from './score/params.js';
import type { StageContext } from './context.js';

/** True when a data path names a table of the target's Spark engine rather than a volume folder. */
export function readsSparkTable(ctx: Pick<StageContext, 'spark'>, dataPath: string): boolean {
  return ctx.spark !== undefined && isTableName(dataPath);
}
