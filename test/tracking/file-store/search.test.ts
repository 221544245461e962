import { describe, expect, it } from 'vitest';
import {
  createPageToken,
  likeToRegExp,
  paginate,
  parsePageToken,
  parseRunFilter,
  parseRunOrderBy,
  runMatchesFilter,
  sortExperiments,
  sortRuns,
  validateMaxResults,
} from '../../../src/tracking/file-store/search.js';
import type { Experiment, Run, RunStatus } from '../../../src/tracking/types.js';
import { thrownCode } from '../../helpers/errors.js';

function run(id: string, options: { start?: number; acc?: number; lr?: string; stage?: string; status?: RunStatus; name?: string } = {}): Run {
  return {
    info: {
      runId: id,
      runName: options.name ?? id,
      experimentId: '1',
      userId: 'u',
      status: options.status ?? 'FINISHED',
      startTime: options.start ?? 0,
      endTime: undefined,
      artifactUri: `file:///r/${id}`,
      lifecycleStage: 'active',
    },
    data: {
      metrics: options.acc === undefined ? {} : { acc: { key: 'acc', value: options.acc, timestamp: 0, step: 0 } },
      params: options.lr === undefined ? {} : { lr: options.lr },
      tags: options.stage === undefined ? {} : { stage: options.stage },
    },
  };
}

const runs = [
  run('a', { start: 1, acc: 0.95, lr: '0.1', stage: 'train', status: 'FINISHED' }),
  run('b', { start: 2, acc: 0.85, lr: '0.01', stage: 'eval', status: 'FAILED' }),
  run('c', { start: 3, lr: '0.1', status: 'RUNNING', name: 'Linear-Softmax' }),
  run('d', { start: 4, acc: NaN, stage: 'train' }),
];

function ids(filter: string): string[] {
  const clauses = parseRunFilter(filter);
  return runs.filter((r) => runMatchesFilter(r, clauses)).map((r) => r.info.runId);
}

describe('parseRunFilter and runMatchesFilter', () => {
  it('treats an empty filter as no filter', () => {
    expect(parseRunFilter(undefined)).toEqual([]);
    expect(parseRunFilter('   ')).toEqual([]);
  });

  it('parses entity prefixes, comparators and values', () => {
    expect(parseRunFilter("metrics.acc > 0.9 AND params.lr = '0.1' and tags.`my tag` != \"x\"")).toEqual([
      { type: 'metric', key: 'acc', comparator: '>', value: 0.9 },
      { type: 'param', key: 'lr', comparator: '=', value: '0.1' },
      { type: 'tag', key: 'my tag', comparator: '!=', value: 'x' },
    ]);
    expect(parseRunFilter("attributes.run_id IN ('a', 'b')")[0]).toEqual({ type: 'attribute', key: 'run_id', comparator: 'IN', value: ['a', 'b'] });
    expect(parseRunFilter('created >= 5')[0]).toEqual({ type: 'attribute', key: 'start_time', comparator: '>=', value: 5 });
  });

  it('compares metrics numerically, never matching a missing metric', () => {
    expect(ids('metrics.acc > 0.9')).toEqual(['a']);
    expect(ids('metric.acc <= 0.9')).toEqual(['b']);
    expect(ids('metrics.acc != 0.95')).toEqual(['b', 'd']);
  });

  it('compares params, tags and string attributes', () => {
    expect(ids("params.lr = '0.1'")).toEqual(['a', 'c']);
    expect(ids("tags.stage = 'train' and params.lr = '0.1'")).toEqual(['a']);
    expect(ids("tags.stage != 'train'")).toEqual(['b']);
    expect(ids("attributes.status = 'FINISHED'")).toEqual(['a', 'd']);
    expect(ids("status = 'RUNNING'")).toEqual(['c']);
    expect(ids('attributes.start_time > 2')).toEqual(['c', 'd']);
    expect(ids("attributes.run_id NOT IN ('a', 'b')")).toEqual(['c', 'd']);
  });

  it('supports LIKE and ILIKE with SQL wildcards and literal dots', () => {
    expect(ids("attributes.run_name LIKE 'Linear%'")).toEqual(['c']);
    expect(ids("attributes.run_name LIKE 'linear%'")).toEqual([]);
    expect(ids("attributes.run_name ILIKE 'linear-%'")).toEqual(['c']);
    expect(ids("params.lr LIKE '0._'")).toEqual(['a', 'c']);
    expect(likeToRegExp('0.1', false).test('0x1')).toBe(false);
  });

  it.each([
    ['metrics.acc > high', 'a metric against a non-number'],
    ["metrics.acc LIKE '1%'", 'LIKE on a metric'],
    ['params.lr = 0.1', 'an unquoted param value'],
    ["metrics.acc > 0.9 or params.lr = '1'", 'OR'],
    ["nonsense.x = '1'", 'an unknown entity'],
    ["attributes.color = 'red'", 'an unknown attribute'],
    ["tags.stage IN ('a')", 'IN outside run_id'],
    ["params.lr = 'open", 'an unclosed quote'],
    ['metrics.acc', 'a missing comparator'],
  ])('rejects %j (%s) as INVALID_ARGUMENT', (filter) => {
    expect(thrownCode(() => parseRunFilter(filter))).toBe('INVALID_ARGUMENT');
  });
});

describe('order_by', () => {
  it('parses directions and quoted keys', () => {
    expect(parseRunOrderBy(['metrics.acc DESC', 'params.`learning rate`', 'start_time asc'])).toEqual([
      { type: 'metric', key: 'acc', ascending: false },
      { type: 'param', key: 'learning rate', ascending: true },
      { type: 'attribute', key: 'start_time', ascending: true },
    ]);
    expect(thrownCode(() => parseRunOrderBy(['metrics.acc sideways']))).toBe('INVALID_ARGUMENT');
  });

  it('defaults to start_time DESC', () => {
    expect(sortRuns(runs, []).map((r) => r.info.runId)).toEqual(['d', 'c', 'b', 'a']);
  });

  it('puts missing and NaN values last in both directions', () => {
    expect(sortRuns(runs, parseRunOrderBy(['metrics.acc DESC'])).map((r) => r.info.runId)).toEqual(['a', 'b', 'd', 'c']);
    expect(sortRuns(runs, parseRunOrderBy(['metrics.acc ASC'])).map((r) => r.info.runId)).toEqual(['b', 'a', 'd', 'c']);
  });

  it('puts NaN before missing values, as MLflow does, whatever the later clauses say', () => {
    expect(sortRuns(runs, parseRunOrderBy(['metrics.acc DESC', 'attributes.start_time ASC'])).map((r) => r.info.runId)).toEqual(['a', 'b', 'd', 'c']);
  });

  it('lets earlier clauses win and breaks ties by the default order', () => {
    expect(sortRuns(runs, parseRunOrderBy(['params.lr ASC'])).map((r) => r.info.runId)).toEqual(['b', 'c', 'a', 'd']);
    expect(sortRuns(runs, parseRunOrderBy(['tags.stage DESC', 'attributes.start_time ASC'])).map((r) => r.info.runId)).toEqual(['a', 'd', 'b', 'c']);
  });
});

describe('paging', () => {
  it('uses MLflow page tokens', () => {
    expect(Buffer.from(createPageToken(5), 'base64').toString('utf8')).toBe('{"offset": 5}');
    expect(parsePageToken(createPageToken(7))).toBe(7);
    expect(parsePageToken(undefined)).toBe(0);
    expect(thrownCode(() => parsePageToken('not-a-token'))).toBe('INVALID_ARGUMENT');
    expect(thrownCode(() => parsePageToken(Buffer.from('{"offset": -1}').toString('base64')))).toBe('INVALID_ARGUMENT');
  });

  it('walks a list page by page', () => {
    const items = [1, 2, 3, 4, 5];
    const first = paginate(items, undefined, 2);
    expect(first.items).toEqual([1, 2]);
    const second = paginate(items, first.nextPageToken, 2);
    expect(second.items).toEqual([3, 4]);
    const third = paginate(items, second.nextPageToken, 2);
    expect(third).toEqual({ items: [5], nextPageToken: undefined });
  });

  it('checks max results', () => {
    expect(validateMaxResults(undefined)).toBe(1000);
    expect(thrownCode(() => validateMaxResults(0))).toBe('INVALID_ARGUMENT');
    expect(thrownCode(() => validateMaxResults(50001))).toBe('INVALID_ARGUMENT');
  });

  it('orders experiments newest first, then by id', () => {
    const experiment = (experimentId: string, creationTime: number): Experiment => ({
      experimentId,
      name: experimentId,
      artifactLocation: '',
      lifecycleStage: 'active',
      creationTime,
      lastUpdateTime: creationTime,
      tags: {},
    });
    expect(sortExperiments([experiment('0', 1), experiment('9', 5), experiment('3', 5)]).map((e) => e.experimentId)).toEqual(['3', '9', '0']);
  });
});
