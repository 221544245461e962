import { MlopsError } from '../../errors.js';
import type { ModelVersion } from '../../tracking/types.js';
import type { StageContext } from '../context.js';

/** Creates the registered model on first use, then a new version pointing at the logged files. */
export async function registerModelVersion(
  ctx: StageContext,
  input: { name: string; source: string; runId: string; modelId?: string; tags?: Record<string, string> },
): Promise<ModelVersion> {
  const { registry } = ctx.workspace;
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  try {
    await registry.getRegisteredModel(input.name, signal);
  } catch (error) {
    if (!(error instanceof MlopsError && error.code === 'NOT_FOUND')) throw error;
    try {
      await registry.createRegisteredModel(input.name, { description: 'Iris species classifier (tfjs), registered by mlops-e2e', ...signal });
    } catch (createError) {
      // A concurrent run registered it first; that is fine.
      if (!(createError instanceof MlopsError && createError.code === 'ALREADY_EXISTS')) throw createError;
    }
  }
  return registry.createModelVersion({
    name: input.name,
    source: input.source,
    runId: input.runId,
    ...(input.modelId ? { modelId: input.modelId } : {}),
    ...(input.tags ? { tags: input.tags } : {}),
    ...signal,
  });
}
