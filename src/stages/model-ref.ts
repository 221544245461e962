import { MlopsError } from '../errors.js';
import { formatModelUri } from '../tracking/model-uri.js';
import type { StageContext } from './context.js';
import { integer, text } from './param-types.js';
import type { ModelRef } from './state.js';

/** model_version: '' or "latest" is the newest version. */
export const MODEL_VERSION = {
  ...text({ description: "the version to use ('' or latest = the newest)" }),
  parse(raw: string): string {
    const value = raw.trim();
    if (value === '' || value.toLowerCase() === 'latest') return '';
    return String(integer({ min: 1, max: Number.MAX_SAFE_INTEGER, description: '' }).parse(value));
  },
};

/** model_name + model_version ('' = the newest version) → a model reference. */
export async function modelFromParams(ctx: Pick<StageContext, 'workspace' | 'signal'>, name: string, wanted: string): Promise<ModelRef> {
  let version = wanted;
  if (wanted === '') {
    const versions = await ctx.workspace.registry.listModelVersions(name, { signal: ctx.signal });
    const newest = versions[0];
    if (!newest) throw new MlopsError('NOT_FOUND', `Registered model "${name}" has no versions: run model_training_job first`, { details: { name } });
    version = newest.version;
  }
  return { name, version, uri: formatModelUri({ kind: 'version', name, version }) };
}

/** Whether the registered version still exists (not deleted since it was registered). */
export async function modelVersionStands(ctx: Pick<StageContext, 'workspace' | 'signal'>, model: ModelRef): Promise<boolean> {
  try {
    await ctx.workspace.registry.getModelVersion(model.name, model.version, ctx.signal ? { signal: ctx.signal } : {});
    return true;
  } catch (error) {
    if (error instanceof MlopsError && error.code === 'NOT_FOUND') return false;
    throw error;
  }
}
