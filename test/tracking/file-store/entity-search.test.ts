import { describe, expect, it } from 'vitest';
import {
  entityMatches,
  EXPERIMENT_SEARCH,
  MODEL_VERSION_SEARCH,
  parseEntityFilter,
  parseEntityOrderBy,
  REGISTERED_MODEL_SEARCH,
  sortEntities,
  validateEntityMaxResults,
} from '../../../src/tracking/file-store/entity-search.js';
import type { Experiment, ModelVersion } from '../../../src/tracking/types.js';

const experiment = (name: string, creationTime: number, tags: Record<string, string> = {}): Experiment => ({
  experimentId: String(creationTime),
  name,
  artifactLocation: '',
  lifecycleStage: 'active',
  creationTime,
  lastUpdateTime: creationTime,
  tags,
});

const version = (name: string, number: number, runId: string, tags: Record<string, string> = {}): ModelVersion => ({
  name,
  version: String(number),
  creationTimestamp: number,
  lastUpdatedTimestamp: number,
  description: '',
  source: `runs:/${runId}/model`,
  runId,
  status: 'READY',
  tags,
  aliases: [],
});

describe('entity search', () => {
  it('filters experiments by name pattern, tag and time, as MLflow', () => {
    const experiments = [experiment('iris-a', 1, { team: 'ml' }), experiment('iris-b', 2), experiment('wine', 3, { team: 'ml' })];
    const matching = (filter: string) => experiments.filter((e) => entityMatches(e, parseEntityFilter(filter, EXPERIMENT_SEARCH), EXPERIMENT_SEARCH)).map((e) => e.name);
    expect(matching("name LIKE 'iris%'")).toEqual(['iris-a', 'iris-b']);
    expect(matching("name ILIKE 'IRIS-_' and tags.team = 'ml'")).toEqual(['iris-a']);
    expect(matching('creation_time > 1')).toEqual(['iris-b', 'wine']);
    expect(matching("attribute.name != 'wine' and tags.`team` = 'ml'")).toEqual(['iris-a']);
    // A missing tag never matches, even with !=.
    expect(matching("tags.team != 'data'")).toEqual(['iris-a', 'wine']);
  });

  it('filters model versions by name, run_id IN, version_number and tag', () => {
    const versions = [version('m', 1, 'r1'), version('m', 2, 'r2', { approval: 'approved' }), version('n', 1, 'r1')];
    const matching = (filter: string) => versions.filter((v) => entityMatches(v, parseEntityFilter(filter, MODEL_VERSION_SEARCH), MODEL_VERSION_SEARCH)).map((v) => `${v.name}/${v.version}`);
    expect(matching("name = 'm' and version_number >= 2")).toEqual(['m/2']);
    expect(matching("run_id IN ('r1', 'r3')")).toEqual(['m/1', 'n/1']);
    expect(matching("tags.approval = 'approved'")).toEqual(['m/2']);
    expect(matching("source_path = 'runs:/r2/model'")).toEqual(['m/2']);
  });

  it('orders by the given clauses first, the default order after', () => {
    const experiments = [experiment('b', 1), experiment('a', 2), experiment('c', 3)];
    const newestFirst = (x: Experiment, y: Experiment) => y.creationTime - x.creationTime;
    expect(sortEntities(experiments, [], EXPERIMENT_SEARCH, newestFirst).map((e) => e.name)).toEqual(['c', 'a', 'b']);
    expect(sortEntities(experiments, parseEntityOrderBy(['name ASC'], EXPERIMENT_SEARCH), EXPERIMENT_SEARCH, newestFirst).map((e) => e.name)).toEqual(['a', 'b', 'c']);
    expect(parseEntityOrderBy(['timestamp DESC'], REGISTERED_MODEL_SEARCH)).toEqual([{ attribute: 'last_updated_timestamp', ascending: false }]);
  });

  it('names what is wrong in a bad filter, order_by or page size', () => {
    expect(() => parseEntityFilter('owner = 1', EXPERIMENT_SEARCH)).toThrow(/Invalid attribute key 'owner' for searching experiments/);
    expect(() => parseEntityFilter("name > 'a'", EXPERIMENT_SEARCH)).toThrow(/Invalid comparator '>' for name/);
    expect(() => parseEntityFilter("creation_time = 'yesterday'", EXPERIMENT_SEARCH)).toThrow(/Expected a numeric value for creation_time/);
    expect(() => parseEntityFilter("name = 'a' or name = 'b'", EXPERIMENT_SEARCH)).toThrow(/expected 'and' between comparisons/);
    expect(() => parseEntityOrderBy(['tags.team'], EXPERIMENT_SEARCH)).toThrow(/Invalid order_by clause 'tags.team'/);
    expect(() => validateEntityMaxResults(0, { default: 100, max: 1000 }, 'registered models')).toThrow(/from 1 to 1000, got 0/);
    expect(validateEntityMaxResults(undefined, { default: 100, max: 1000 }, 'registered models')).toBe(100);
  });
});
