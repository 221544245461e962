import { describe, expect, it } from 'vitest';
import { checkFiniteScores } from '../../src/serve/finite-scores.js';
import { ScoringError } from '../../src/serve/scoring-error.js';

describe('checkFiniteScores', () => {
  it('passes finite scores', () => {
    expect(() => checkFiniteScores(Float64Array.of(0.2, 0.8, 1, 0), 2, 2)).not.toThrow();
  });

  it('refuses NaN and ±Infinity with 400 INVALID_PARAMETER_VALUE naming the rows, at most ten of them', () => {
    const proba = new Float64Array(30 * 2).fill(0.5);
    for (const r of [1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 20]) proba[r * 2 + (r % 2)] = r === 4 ? Infinity : NaN;
    let error: unknown;
    try {
      checkFiniteScores(proba, 30, 2);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ScoringError);
    const scoring = error as ScoringError;
    expect(scoring.status).toBe(400);
    expect(scoring.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(scoring.message).toContain('not finite for 12 row(s): 1, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 2 more');
    expect(scoring.details).toEqual({ rows: [1, 4, 5, 6, 7, 8, 9, 10, 11, 12], count: 12 });
  });
});
