import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { dictionaryEncodedSchema, predictionSchema, withPlainStrings } from '../../../src/stages/score/output-schema.js';

describe('predictionSchema', () => {
  it('is fixed: features, prediction, one probability per label, the model version and the time', () => {
    const schema = predictionSchema(['a', 'b'], ['x', 'y']);
    expect(schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`)).toEqual([
      'a:Float64:true',
      'b:Float64:true',
      'prediction:Utf8:true',
      'probability_x:Float64:true',
      'probability_y:Float64:true',
      'model_name:Utf8:false',
      'model_version:Utf8:false',
      'scored_at:Timestamp<MILLISECOND, UTC>:false',
    ]);
    expect(predictionSchema(['a'], ['x', 'y'], { withInvalidReason: true }).fields.map((f) => f.name)).toEqual(['a', 'prediction', 'probability_x', 'probability_y', 'invalid_reason', 'model_name', 'model_version', 'scored_at']);
  });

  it('has a dictionary-encoded twin whose dictionaries have distinct ids (as Arrow IPC needs)', () => {
    const encoded = dictionaryEncodedSchema(predictionSchema(['a'], ['x', 'y']));
    const ids = encoded.fields.filter((f) => arrow.DataType.isDictionary(f.type)).map((f) => (f.type as arrow.Dictionary).id);
    expect(ids).toEqual([0, 1, 2]);
  });
});

describe('withPlainStrings', () => {
  it('expands dictionary columns to Utf8, nulls included, and leaves the rest untouched', () => {
    const plain = predictionSchema(['a'], ['x', 'y']);
    const encodedSchema = dictionaryEncodedSchema(plain);
    const labels = arrow.vectorFromArray(['x', 'y'], new arrow.Utf8());
    const one = (value: string) => arrow.vectorFromArray([value], new arrow.Utf8());
    const rows = 3;
    const a = Float64Array.of(1, 2, 3);
    const children = [
      arrow.makeData({ type: new arrow.Float64(), length: rows, nullCount: 0, data: a }),
      arrow.makeData({ type: encodedSchema.fields[1]!.type as arrow.Dictionary, length: rows, nullCount: 1, nullBitmap: Uint8Array.of(0b101), data: Int32Array.of(1, 0, 0), dictionary: labels }),
      arrow.makeData({ type: new arrow.Float64(), length: rows, nullCount: 0, data: Float64Array.of(0.1, 0.2, 0.3) }),
      arrow.makeData({ type: new arrow.Float64(), length: rows, nullCount: 0, data: Float64Array.of(0.9, 0.8, 0.7) }),
      arrow.makeData({ type: encodedSchema.fields[4]!.type as arrow.Dictionary, length: rows, nullCount: 0, data: new Int32Array(rows), dictionary: one('c.s.m') }),
      arrow.makeData({ type: encodedSchema.fields[5]!.type as arrow.Dictionary, length: rows, nullCount: 0, data: new Int32Array(rows), dictionary: one('2') }),
      arrow.makeData({ type: new arrow.TimestampMillisecond('UTC'), length: rows, nullCount: 0, data: new BigInt64Array(rows).fill(5n) }),
    ];
    const batch = new arrow.RecordBatch(encodedSchema, arrow.makeData({ type: new arrow.Struct(encodedSchema.fields), length: rows, nullCount: 0, children }));
    const expanded = withPlainStrings(batch, plain);
    expect(expanded.schema.fields.map((f) => String(f.type))).toEqual(plain.fields.map((f) => String(f.type)));
    expect(expanded.getChild('prediction')!.toArray()).toEqual(['y', null, 'x']);
    expect(expanded.getChild('model_name')!.toArray()).toEqual(['c.s.m', 'c.s.m', 'c.s.m']);
    expect(expanded.getChild('a')!.data[0]!.values).toBe(a);
    // A round trip through Arrow IPC proves the expanded batch is well formed.
    expect(arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table([expanded]))).get(1)!.toJSON()).toMatchObject({ prediction: null, model_version: '2' });
  });
});
