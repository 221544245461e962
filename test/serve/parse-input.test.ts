import { describe, expect, it } from 'vitest';
import { parseJsonInput } from '../../src/serve/parse-input.js';
import { ScoringError } from '../../src/serve/scoring-error.js';

const schema = { featureNames: ['a', 'b'] };
const rowsOf = (input: { features: Float32Array; rows: number }) => ({ rows: input.rows, values: Array.from(input.features) });

function errorOf(body: unknown): ScoringError {
  try {
    parseJsonInput(body, schema);
  } catch (error) {
    if (error instanceof ScoringError) return error;
    throw error;
  }
  throw new Error('expected a ScoringError');
}

describe('parseJsonInput', () => {
  it('reads each MLflow format into row-major features in signature order', () => {
    const expected = { rows: 2, values: [1, 2, 3, 4] };
    expect(rowsOf(parseJsonInput({ dataframe_split: { columns: ['b', 'a'], data: [[2, 1], [4, 3]] } }, schema))).toEqual(expected);
    expect(rowsOf(parseJsonInput({ dataframe_split: { data: [[1, 2], [3, 4]] } }, schema))).toEqual(expected);
    expect(rowsOf(parseJsonInput({ dataframe_records: [{ a: 1, b: 2, c: 'x' }, { b: 4, a: 3 }] }, schema))).toEqual(expected);
    expect(rowsOf(parseJsonInput({ instances: [{ a: 1, b: 2 }, { a: 3, b: 4 }] }, schema))).toEqual(expected);
    expect(rowsOf(parseJsonInput({ instances: [[1, 2], [3, 4]] }, schema))).toEqual(expected);
    expect(rowsOf(parseJsonInput({ inputs: { a: [1, 3], b: [2, 4] } }, schema))).toEqual(expected);
    expect(rowsOf(parseJsonInput({ inputs: [[1, '2'], [3, 4]], params: { ignored: true } }, schema))).toEqual(expected);
    expect(rowsOf(parseJsonInput({ instances: [] }, schema))).toEqual({ rows: 0, values: [] });
  });

  it('says BAD_REQUEST when the body is not one of the formats', () => {
    for (const body of [[], null, 'x', {}, { dataframe_split: {}, inputs: [] }, { dataframe_split: { columns: ['a'] } }, { dataframe_records: {} }]) {
      const error = errorOf(body);
      expect(error.status).toBe(400);
      expect(error.errorCode).toBe('BAD_REQUEST');
    }
    expect(errorOf({ data: [] }).message).toBe(
      'The input must be a JSON object with exactly one of the fields dataframe_split, dataframe_records, instances, inputs. Received an object with the fields [data].',
    );
  });

  it('says INVALID_PARAMETER_VALUE naming the missing or bad column and the row', () => {
    const missing = errorOf({ dataframe_records: [{ a: 1, b: 2 }, { a: 1 }] });
    expect(missing.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(missing.message).toBe("Model is missing inputs ['b'] (record 1); its signature expects 'a' (double), 'b' (double)");
    expect(missing.details).toMatchObject({ missing: ['b'], row: 1 });
    expect(errorOf({ inputs: { a: [1] } }).message).toMatch(/^Model is missing inputs \['b'\]/);
    expect(errorOf({ inputs: { a: [1, 2], b: [1] } }).message).toBe('inputs columns differ in length: "a" has 2 values, "b" has 1');
    expect(errorOf({ instances: [[1, true]] }).message).toBe("Column 'b', row 0: expected a number (double), found true");
    expect(errorOf({ dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [1]] } }).message).toBe('dataframe_split.data row 1 has 1 values for 2 columns');
    expect(errorOf({ instances: [[1, 2, 3]] }).message).toMatch(/^instances row 0 has 3 values; rows without column names need one value per model input, in order: a, b$/);
    const infinite = errorOf({ inputs: { a: ['Infinity'], b: [1] } });
    expect(infinite.details).toMatchObject({ column: 'a', row: 0 });
  });
});
