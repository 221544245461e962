import type { LogBatchInput, Metric } from '../types.js';

/** MLflow's log-batch limits (mlflow/utils/validation.py): per request, not per run. */
export const LOG_BATCH_LIMITS = {
  metrics: 1000,
  params: 100,
  tags: 100,
  total: 1000,
} as const;

export interface LogBatchChunk {
  metrics: Metric[];
  params: Array<[string, string]>;
  tags: Array<[string, string]>;
}

/**
 * Splits one logBatch call into as few requests as MLflow's limits allow: each chunk takes up
 * to 100 params and 100 tags, and fills the rest of its 1000 entities with metrics. Metrics keep
 * their order across chunks, so a key's history is logged in the order given.
 */
export function chunkLogBatch(batch: LogBatchInput, limits: typeof LOG_BATCH_LIMITS = LOG_BATCH_LIMITS): LogBatchChunk[] {
  const metrics = batch.metrics ?? [];
  const params = Object.entries(batch.params ?? {});
  const tags = Object.entries(batch.tags ?? {});
  const chunks: LogBatchChunk[] = [];
  let m = 0;
  let p = 0;
  let t = 0;
  while (m < metrics.length || p < params.length || t < tags.length) {
    const chunkParams = params.slice(p, p + limits.params);
    const chunkTags = tags.slice(t, t + limits.tags);
    const room = Math.min(limits.metrics, limits.total - chunkParams.length - chunkTags.length);
    const chunkMetrics = metrics.slice(m, m + room);
    chunks.push({ metrics: chunkMetrics, params: chunkParams, tags: chunkTags });
    m += chunkMetrics.length;
    p += chunkParams.length;
    t += chunkTags.length;
  }
  return chunks;
}
