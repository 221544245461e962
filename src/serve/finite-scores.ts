import { invalidInput } from './scoring-error.js';

/** How many offending rows an error message lists before it only counts the rest. */
const ROWS_SHOWN = 10;

/**
 * Refuses scores that are not finite — features so large (1e308) that the network overflows to
 * Infinity or NaN — with 400 INVALID_PARAMETER_VALUE naming the rows, so the server never answers
 * a label without probabilities.
 */
export function checkFiniteScores(proba: ArrayLike<number>, rows: number, classes: number): void {
  const bad: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < classes; k++) {
      if (!Number.isFinite(proba[r * classes + k]!)) {
        bad.push(r);
        break;
      }
    }
  }
  if (bad.length === 0) return;
  const shown = bad.slice(0, ROWS_SHOWN).join(', ');
  const more = bad.length > ROWS_SHOWN ? ` and ${bad.length - ROWS_SHOWN} more` : '';
  throw invalidInput(
    `The model's scores are not finite for ${bad.length} row(s): ${shown}${more}. Their feature values are too large for the model (they overflow to Infinity or NaN); send values in the range the model was trained on`,
    { rows: bad.slice(0, ROWS_SHOWN), count: bad.length },
  );
}
