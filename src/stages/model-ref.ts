import { MlopsError } from '../errors.js';
import { formatModelUri } from '../tracking/model-uri.js';
import type { StageContext } from './context.js';
import { integer, text } from './param-types.js';
import type { ModelRef } from './state.js';
import { HUMAN_TAGS } from './approve/tags.js';
import { ROLLED_BACK_AT_TAG } from './deploy/deploy.js';

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

/**
 * Whether a registered version can still be handed on as a stage's output: it exists, was not rolled
 * back (deployment refuses a rolled-back version for good: a new one must be trained) and was not
 * rejected by a person. A version the approval rules rejected still stands: the same model would be
 * judged the same way again.
 */
export async function modelVersionStands(ctx: Pick<StageContext, 'workspace' | 'signal'>, model: ModelRef): Promise<boolean> {
  try {
    const version = await ctx.workspace.registry.getModelVersion(model.name, model.version, ctx.signal ? { signal: ctx.signal } : {});
    return !version.tags[ROLLED_BACK_AT_TAG] && version.tags[HUMAN_TAGS.decision] !== 'rejected';
  } catch (error) {
    if (error instanceof MlopsError && error.code === 'NOT_FOUND') return false;
    throw error;
  }
}
