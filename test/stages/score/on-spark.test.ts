import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import type { ClassifierDescription } from '../../../src/model/classifier.js';
import { compileClassifierSql } from '../../../src/model/sql/compile.js';
import { sparkScoreProjections } from '../../../src/stages/score/on-spark.js';

/** A 2-feature, 2-label softmax model (no hidden layer); `y` is imputed, `x` is not. */
const MODEL: ClassifierDescription = {
  featureNames: ['x', 'y'],
  inputs: [
    { name: 'x', kind: 'numeric' },
    { name: 'y', kind: 'numeric', impute: 0.5 },
  ],
  labels: ['no', "it's"],
  labelColumn: 'label',
  normalization: { mean: [0, 0], std: [1, 1] },
  layers: [{ units: 2, inputUnits: 2, activation: 'softmax', kernel: [1, -1, 0.5, 0.25], bias: [0, 0.1] }],
} as unknown as ClassifierDescription;

const model = { name: 'c.s.m', version: '3', uri: 'models:/c.s.m/3' };

/** The last projection: the prediction table's columns. */
const sparkScoreExpressions = (...args: Parameters<typeof sparkScoreProjections>): string[] => sparkScoreProjections(...args).at(-1)!;

describe('sparkScoreProjections (the projections Spark runs)', () => {
  it('adds each hidden layer\'s units as columns, one projection per layer, before the prediction table\'s columns', () => {
    const deep = { ...MODEL, layers: [
      { units: 3, inputUnits: 2, activation: 'relu', kernel: [1, 0, -1, 0.5, 0.5, 2], bias: [0, 0.1, -0.1] },
      { units: 2, inputUnits: 3, activation: 'tanh', kernel: [1, -1, 0.5, 0.25, 2, 0], bias: [0, 0] },
      { units: 2, inputUnits: 2, activation: 'softmax', kernel: [1, -1, 0.5, 0.25], bias: [0, 0.1] },
    ] } as unknown as ClassifierDescription;
    const projections = sparkScoreProjections(deep, { model, scoredAt: 0, onInvalid: 'null' });
    const alias = (e: string) => (e === '*' ? e : e.slice(e.lastIndexOf(' AS ') + 4));
    expect(projections).toHaveLength(3);
    expect(projections[0]!.map(alias)).toEqual(['*', '__mlops_h1_0', '__mlops_h1_1', '__mlops_h1_2']);
    expect(projections[1]!.map(alias)).toEqual(['*', '__mlops_h2_0', '__mlops_h2_1']);
    // The second layer reads the first layer's columns, the outputs the second's: no unit is inlined twice.
    expect(projections[1]!.join('\n')).toContain('__mlops_h1_2');
    const outputs = projections[2]!.join('\n');
    expect(outputs).toContain('__mlops_h2_1');
    expect(outputs).not.toMatch(/__mlops_h1_|TANH|GREATEST/);
    // A model without hidden layers is one projection.
    expect(sparkScoreProjections(MODEL, { model, scoredAt: 0, onInvalid: 'null' })).toHaveLength(1);
  });

  it('gives the batch scorer\'s columns in its order: features, prediction, probabilities, model_name, model_version, scored_at', () => {
    const expressions = sparkScoreExpressions(MODEL, { model, scoredAt: Date.UTC(2026, 11, 6, 0, 30), onInvalid: 'null' });
    const aliases = expressions.map((e) => e.slice(e.lastIndexOf(' AS ') + 4));
    expect(aliases).toEqual(['x', 'y', 'prediction', 'probability_no', "`probability_it's`", 'invalid_reason', 'model_name', 'model_version', 'scored_at']);
    expect(expressions[0]).toBe('CAST(x AS DOUBLE) AS x');
    expect(expressions.at(-3)).toBe("'c.s.m' AS model_name");
    const instant = `TIMESTAMP_MILLIS(${Date.UTC(2026, 11, 6, 0, 30)})`;
    expect(expressions.at(-1)).toBe(`ARRAY(${instant}, ${instant})[CAST(ISNULL(x) AS INT)] AS scored_at`);
  });

  it('two runs of the same model differ only in the array literal that holds scored_at (Spark keeps it out of its generated code)', () => {
    const options = (scoredAt: number) => ({ model, scoredAt, onInvalid: 'error' as const });
    const first = sparkScoreExpressions(MODEL, options(Date.UTC(2026, 11, 6, 0, 30)));
    const second = sparkScoreExpressions(MODEL, options(Date.UTC(2026, 11, 7, 8, 15, 1, 234)));
    expect(first).not.toEqual(second);
    const withoutInstant = (expressions: string[]) => expressions.map((e) => e.replace(/ARRAY\(TIMESTAMP_MILLIS\((\d+)\), TIMESTAMP_MILLIS\(\1\)\)/g, 'ARRAY(?, ?)'));
    expect(withoutInstant(first)).toEqual(withoutInstant(second));
    // The instant appears only inside the array: no TIMESTAMP or BIGINT literal of it that Spark would inline.
    const text = second.join('\n');
    expect(text.split(String(Date.UTC(2026, 11, 7, 8, 15, 1, 234))).length - 1).toBe(2);
    expect(withoutInstant(second).join('\n')).not.toContain(String(Date.UTC(2026, 11, 7, 8, 15, 1, 234)));
  });

  it('on_invalid error fails the query with RAISE_ERROR naming the reason; null adds invalid_reason and no RAISE_ERROR', () => {
    const strict = sparkScoreExpressions(MODEL, { model, scoredAt: 0, onInvalid: 'error' });
    expect(strict.find((e) => e.endsWith(' AS prediction'))).toMatch(/^CASE WHEN .* ELSE RAISE_ERROR\(CONCAT\('a row cannot be scored: ', .*Set on_invalid: null/);
    expect(strict.some((e) => e.endsWith('AS invalid_reason'))).toBe(false);
    const lenient = sparkScoreExpressions(MODEL, { model, scoredAt: 0, onInvalid: 'null' });
    expect(lenient.join('\n')).not.toContain('RAISE_ERROR');
  });

  it("invalid_reason words a row's problems as the batch scorer does (checked in DuckDB: the expression is portable)", async () => {
    const sql = compileClassifierSql(MODEL, { dialect: 'duckdb' });
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT ${sql.invalidReason} AS reason, ${sql.valid} AS valid FROM (VALUES (1.0::DOUBLE, NULL::DOUBLE), (NULL, 1.0), ('NaN'::DOUBLE, 2.0), ('-Infinity'::DOUBLE, 0.0)) AS t(x, y)`,
      );
      const columns = reader.getColumnsObjectJS() as { reason: (string | null)[]; valid: (boolean | null)[] };
      expect(columns.reason).toEqual([null, 'x is null', 'x is NaN', 'x is -Infinity']);
      expect(columns.valid.map((v) => v === true)).toEqual([true, false, false, false]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
