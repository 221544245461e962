import { describe, expect, it } from 'vitest';
import { Params } from '../../../src/tracking/server/params.js';

describe('request parameters', () => {
  it("reads JSON bodies with MLflow's rules and words", () => {
    const params = Params.fromJson({ name: 'x', count: 3, big: '1795723632626', value: 'NaN', tags: [{ key: 'a', value: 'b' }, { key: 'c' }], ids: ['1', '2'] });
    expect(params.string('name')).toBe('x');
    expect(params.integer('count')).toBe(3);
    expect(params.integer('big')).toBe(1795723632626);
    expect(Number.isNaN(params.double('value'))).toBe(true);
    expect(params.keyValues('tags')).toEqual({ a: 'b', c: '' });
    expect(params.stringList('ids')).toEqual(['1', '2']);
    expect(() => params.string('missing')).toThrow("Missing value for required parameter 'missing'. See the API docs for more information about request parameters.");
    expect(() => Params.fromJson({ value: 'abc' }).double('value')).toThrow(
      "Invalid value abc for parameter 'value' supplied. Hint: Value was of type 'str'. See the API docs for more information about request parameters.",
    );
    expect(() => Params.fromJson({ name: 5 }).string('name')).toThrow(/Hint: Value was of type 'int'/);
  });

  it('reads query strings: repeated keys are lists, numbers come as text, run_uuid stands in for run_id', () => {
    const params = Params.fromQuery(new URLSearchParams('order_by=a&order_by=b&max_results=5&value=0.5&run_uuid=r1'));
    expect(params.stringList('order_by')).toEqual(['a', 'b']);
    expect(params.integer('max_results')).toBe(5);
    expect(params.double('value')).toBe(0.5);
    expect(params.stringOf('run_id', 'run_uuid')).toBe('r1');
    expect(() => Params.fromQuery(new URLSearchParams('max_results=many')).integer('max_results')).toThrow(/Invalid value many for parameter 'max_results'/);
  });

  it('reads log-batch metrics and requires their timestamps', () => {
    expect(Params.fromJson({ metrics: [{ key: 'm', value: 1.5, timestamp: 7 }] }).metrics('metrics')).toEqual([{ key: 'm', value: 1.5, timestamp: 7, step: 0 }]);
    expect(() => Params.fromJson({ metrics: [{ key: 'm', value: 1 }] }).metrics('metrics')).toThrow(/required parameter 'timestamp'/);
  });
});
