import type { SearchEntitiesOptions } from '../file-store/entity-search.js';
import type { ViewType } from '../file-store/tracking-file-store.js';
import type { CreateModelVersionOptions, Experiment, ModelRegistry, ModelVersion, Page, RegisteredModel, Run, SearchRunsOptions, TrackingStore } from '../types.js';

/** What the server needs of a tracking store beyond the interface: MLflow's filtered searches with a view type. Both local stores have it. */
export type ServedTrackingStore = TrackingStore & {
  /** The store's folder or database file (error messages name files relative to it). */
  readonly root: string;
  searchExperiments(options?: SearchEntitiesOptions & { viewType?: ViewType }): Promise<Page<Experiment>>;
  searchRuns(options: SearchRunsOptions & { viewType?: ViewType }): Promise<Page<Run>>;
};

/** What the server needs of a registry beyond the interface. */
export type ServedModelRegistry = ModelRegistry & {
  searchRegisteredModels(options?: SearchEntitiesOptions): Promise<Page<RegisteredModel>>;
  searchModelVersions(options?: SearchEntitiesOptions): Promise<Page<ModelVersion>>;
  createModelVersion(options: CreateModelVersionOptions & { runLink?: string }): Promise<ModelVersion>;
};
