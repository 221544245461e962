import { ParamError, type ParamSpec } from './declaration.js';
import { text } from './param-types.js';

/**
 * Parameters several stages read under one name. A registered model name is stored by MLflow in a
 * 256-character column, and Unity Catalog allows 255 characters per part of catalog.schema.model;
 * an experiment name is 256 characters in MLflow's store.
 */
export const MAX_NAME_LENGTH = 256;
export const MAX_UC_PART_LENGTH = 255;

/** model_name; `required: false` lets '' through (a stage that can take the model from elsewhere). */
export function modelNameParam(options: { required: boolean }): ParamSpec<string> {
  return {
  default: '',
  description: 'the registered model (catalog.schema.model in Unity Catalog)',
  parse(raw) {
    const value = raw.trim();
    if (value === '' && !options.required) return '';
    if (value === '') throw new ParamError('a registered model name');
    if (value.length > MAX_NAME_LENGTH) throw new ParamError(`a model name of at most ${MAX_NAME_LENGTH} characters (found ${value.length})`);
    const long = value.split('.').find((part) => part.length > MAX_UC_PART_LENGTH);
    if (long !== undefined) throw new ParamError(`name parts of at most ${MAX_UC_PART_LENGTH} characters`);
    return value;
  },
  };
}

export const MODEL_NAME = modelNameParam({ required: true });

export const EXPERIMENT_PATH = text({ required: true, maxLength: MAX_NAME_LENGTH, description: 'the MLflow experiment the stage logs its run to' });

/** `cache`: "false" runs a cacheable stage even when an earlier run had the same inputs (the step cache, docs/step-cache.md). */
export const CACHE_PARAM: ParamSpec<boolean> = {
  default: 'true',
  description: 'reuse an earlier run\'s output when the inputs, parameters and code are unchanged ("false" always runs)',
  parse(raw) {
    const value = raw.trim().toLowerCase();
    if (value === '' || value === 'true') return true;
    if (value === 'false') return false;
    throw new ParamError('true or false');
  },
};
