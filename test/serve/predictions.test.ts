import { describe, expect, it } from 'vitest';
import { predictionsJson } from '../../src/serve/predictions.js';

describe('predictionsJson', () => {
  it('writes MLflow records: the most probable label and one probability column per class', () => {
    const json = JSON.parse(predictionsJson(['no', 'yes "quoted"'], Float64Array.of(0.5, 0.5, 0.25, 0.75), 2)) as { predictions: Record<string, unknown>[] };
    // A tie goes to the first class, like numpy's argmax.
    expect(json.predictions[0]).toEqual({ prediction: 'no', probability_no: 0.5, 'probability_yes "quoted"': 0.5 });
    expect(json.predictions[1]).toEqual({ prediction: 'yes "quoted"', probability_no: 0.25, 'probability_yes "quoted"': 0.75 });
  });

  it('keeps every digit of a probability and writes an empty request as no predictions', () => {
    expect(predictionsJson(['a', 'b'], Float64Array.of(0.9947719222144801, 0.0052280777855199), 1)).toBe(
      '{"predictions":[{"prediction":"a","probability_a":0.9947719222144801,"probability_b":0.0052280777855199}]}',
    );
    expect(predictionsJson(['a', 'b'], new Float64Array(0), 0)).toBe('{"predictions":[]}');
  });
});
