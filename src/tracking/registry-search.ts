import {
  entityMatches,
  MODEL_VERSION_SEARCH,
  parseEntityFilter,
  parseEntityOrderBy,
  REGISTERED_MODEL_SEARCH,
  SEARCH_LIMITS,
  sortEntities,
  validateEntityMaxResults,
  type EntityClause,
  type EntityOrder,
  type SearchEntitiesOptions,
} from './file-store/entity-search.js';
import { paginate } from './file-store/search.js';
import type { ModelVersion, Page, RegisteredModel } from './types.js';

/**
 * MLflow's registry searches over models and versions already read, for both registries (the file
 * registry and the SQLite one): the filter, the order (MLflow's defaults when none is given) and
 * offset page tokens. Pure.
 */

export interface RegistrySearch {
  maxResults: number;
  filter: EntityClause[];
  orderBy: EntityOrder[];
  pageToken: string | undefined;
}

/** Checks a registered-model search's max_results, filter and order_by before anything is read. */
export function registeredModelSearch(options: SearchEntitiesOptions): RegistrySearch {
  return {
    maxResults: validateEntityMaxResults(options.maxResults, SEARCH_LIMITS.registeredModels, 'registered models'),
    filter: parseEntityFilter(options.filter, REGISTERED_MODEL_SEARCH),
    orderBy: parseEntityOrderBy(options.orderBy, REGISTERED_MODEL_SEARCH),
    pageToken: options.pageToken,
  };
}

/** Checks a model-version search's max_results, filter and order_by before anything is read. */
export function modelVersionSearch(options: SearchEntitiesOptions): RegistrySearch {
  return {
    maxResults: validateEntityMaxResults(options.maxResults, SEARCH_LIMITS.modelVersions, 'model versions'),
    filter: parseEntityFilter(options.filter, MODEL_VERSION_SEARCH),
    orderBy: parseEntityOrderBy(options.orderBy, MODEL_VERSION_SEARCH),
    pageToken: options.pageToken,
  };
}

/** One page of the matching models, by name unless order_by says otherwise. */
export function pageOfRegisteredModels(search: RegistrySearch, models: readonly RegisteredModel[]): Page<RegisteredModel> {
  const matching = models.filter((model) => entityMatches(model, search.filter, REGISTERED_MODEL_SEARCH));
  const byName = (a: RegisteredModel, b: RegisteredModel): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return paginate(sortEntities(matching, search.orderBy, REGISTERED_MODEL_SEARCH, byName), search.pageToken, search.maxResults);
}

/** Whether a version matches the search's filter (for registries that filter while they read). */
export function versionMatches(search: RegistrySearch, version: ModelVersion): boolean {
  return entityMatches(version, search.filter, MODEL_VERSION_SEARCH);
}

/** One page of the matching versions, by MLflow's default order unless order_by says otherwise: last update first, then name, then the highest version. */
export function pageOfModelVersions(search: RegistrySearch, versions: readonly ModelVersion[]): Page<ModelVersion> {
  const matching = versions.filter((version) => versionMatches(search, version));
  const defaultOrder = (a: ModelVersion, b: ModelVersion): number =>
    b.lastUpdatedTimestamp - a.lastUpdatedTimestamp || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || Number(b.version) - Number(a.version);
  return paginate(sortEntities(matching, search.orderBy, MODEL_VERSION_SEARCH, defaultOrder), search.pageToken, search.maxResults);
}
