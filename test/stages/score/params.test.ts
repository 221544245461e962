import { describe, expect, it } from 'vitest';
import { isTableName, parseScoreParams, qualifiedTableName } from '../../../src/stages/score/params.js';

const base = { model_name: 'c.s.m', input_path: '/Volumes/c/s/v/ingested', catalog_name: 'c', schema_name: 's' };

describe('parseScoreParams', () => {
  it('defaults: the champion of model_name, the predictions table, 64Ki-row batches, overwrite, on_invalid error', () => {
    expect(parseScoreParams(base)).toEqual({
      modelUri: 'models:/c.s.m@champion',
      modelName: 'c.s.m',
      input: { kind: 'path', path: '/Volumes/c/s/v/ingested' },
      output: { kind: 'table', name: 'c.s.iris_predictions' },
      batchSize: 65_536,
      mode: 'overwrite',
      partitionBy: undefined,
      onInvalid: 'error',
    });
  });

  it('reads every parameter: model_uri, a table as input, output_path, batch_size, mode, partition_by, on_invalid', () => {
    const parsed = parseScoreParams({ ...base, model_uri: 'models:/c.s.m/3', input_path: 'c.s.features', output_path: './out', batch_size: '1000', mode: 'append', partition_by: 'prediction', on_invalid: 'null' });
    expect(parsed).toMatchObject({
      modelUri: 'models:/c.s.m/3',
      input: { kind: 'table', name: 'c.s.features' },
      output: { kind: 'path', path: './out' },
      batchSize: 1000,
      mode: 'append',
      partitionBy: 'prediction',
      onInvalid: 'null',
    });
  });

  it('input_table, when set, is the input (input_path is then not read); a partitioned table output is for the runner to judge', () => {
    const parsed = parseScoreParams({ ...base, input_table: 'c.s.iris_ingested', partition_by: 'prediction' });
    expect(parsed.input).toEqual({ kind: 'table', name: 'c.s.iris_ingested' });
    expect(parsed.partitionBy).toBe('prediction');
    expect(parseScoreParams({ ...base, input_path: '', input_table: 'c.s.t' }).input).toEqual({ kind: 'table', name: 'c.s.t' });
  });

  it('rejects bad values naming the parameter', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ model_name: '', model_uri: '' }, /model_uri or model_name/],
      [{ mode: 'upsert' }, /"mode": expected one of overwrite, append, found "upsert"/],
      [{ on_invalid: 'skip' }, /"on_invalid": expected one of error, null/],
      [{ batch_size: '0' }, /"batch_size": expected an integer from 1 to 4,194,304, found "0"/],
      [{ batch_size: '1000000000' }, /"batch_size": expected an integer from 1 to 4,194,304/],
      [{ input_table: 'not_a_table' }, /"input_table": expected a three-level table name/],
      [{ input_path: '', input_table: '' }, /input_path or input_table/],
      [{ output_path: '/tmp/p.parquet', mode: 'append' }, /cannot append to the single Parquet file/],
      [{ output_path: '/tmp/p.parquet', partition_by: 'prediction' }, /cannot partition into the single Parquet file/],
    ];
    for (const [overrides, message] of cases) expect(() => parseScoreParams({ ...base, ...overrides }), JSON.stringify(overrides)).toThrow(message);
  });
});

describe('isTableName / qualifiedTableName', () => {
  it('tells three-level table names from paths', () => {
    expect(isTableName('main.iris.features')).toBe(true);
    expect(isTableName('/Volumes/main/iris/v')).toBe(false);
    expect(isTableName('data/in.parquet')).toBe(false);
    expect(isTableName('a.b.parquet')).toBe(false);
    expect(isTableName('a..b')).toBe(false);
  });

  it('places a bare output_table in catalog_name.schema_name, or fails saying what is missing', () => {
    expect(qualifiedTableName({ output_table: 'p', catalog_name: 'c', schema_name: 's' })).toBe('c.s.p');
    expect(qualifiedTableName({ output_table: 'x.y.z' })).toBe('x.y.z');
    expect(() => parseScoreParams({ ...base, output_table: 'p', catalog_name: '', schema_name: '' })).toThrow(/catalog_name\/schema_name are not set/);
  });
});
