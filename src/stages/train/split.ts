import { MlopsError } from '../../errors.js';
import { createRandom, shuffleInPlace } from '../../model/random.js';

export interface SplitOptions {
  /** Fraction of rows for the test part, strictly between 0 and 1. */
  testSize: number;
  seed: number;
}

/** Row indices of each part, ascending. */
export interface Split {
  train: Int32Array;
  test: Int32Array;
}

/**
 * A seeded stratified train/test split of row indices by class label.
 *
 * Size: the test part gets ceil(testSize × rows) rows (scikit-learn's rounding), capped so the
 * training part keeps at least one row. Those rows are shared out between classes in proportion
 * to their sizes, by largest remainder (ties to the lower label). Then every class with at least
 * two rows is moved to have at least one row in each part, taking or giving the row from the
 * class with the most rows to spare; only when no class can spare one does the test size drift
 * from the target. A class with a single row always trains.
 *
 * The same labels and seed give the same split; which rows of a class go to test is a seeded
 * shuffle of that class's rows.
 */
export function stratifiedSplit(labels: ArrayLike<number>, options: SplitOptions): Split {
  const rows = labels.length;
  if (!(options.testSize > 0 && options.testSize < 1)) {
    throw new MlopsError('INVALID_ARGUMENT', `testSize must be a fraction strictly between 0 and 1, got ${options.testSize}`);
  }
  if (rows < 2) throw new MlopsError('INVALID_ARGUMENT', `A train/test split needs at least 2 rows, got ${rows}`);
  const members = groupByLabel(labels);
  const counts = members.map((rowsOfClass) => rowsOfClass.length);
  const testTarget = Math.min(Math.ceil(options.testSize * rows), rows - 1);
  const testCounts = keepClassesInBothParts(counts, proportionalCounts(counts, testTarget));

  const random = createRandom(options.seed);
  const train: number[] = [];
  const test: number[] = [];
  members.forEach((rowsOfClass, index) => {
    shuffleInPlace(rowsOfClass, random);
    const testCount = testCounts[index]!;
    test.push(...rowsOfClass.slice(0, testCount));
    train.push(...rowsOfClass.slice(testCount));
  });
  return { train: Int32Array.from(train).sort(), test: Int32Array.from(test).sort() };
}

/** Row indices per distinct label, labels ascending, rows ascending within each. */
function groupByLabel(labels: ArrayLike<number>): number[][] {
  const byLabel = new Map<number, number[]>();
  for (let row = 0; row < labels.length; row++) {
    const label = labels[row]!;
    if (!Number.isFinite(label)) {
      throw new MlopsError('INVALID_ARGUMENT', `Row ${row}: expected a class label number, found ${label}`, { details: { row, found: label } });
    }
    const rowsOfClass = byLabel.get(label);
    if (rowsOfClass === undefined) byLabel.set(label, [row]);
    else rowsOfClass.push(row);
  }
  return [...byLabel.entries()].sort(([a], [b]) => a - b).map(([, rowsOfClass]) => rowsOfClass);
}

/** Largest-remainder apportionment of `total` in proportion to `counts`. */
function proportionalCounts(counts: readonly number[], total: number): number[] {
  const rows = counts.reduce((sum, count) => sum + count, 0);
  const quotas = counts.map((count) => (count * total) / rows);
  const shares = quotas.map(Math.floor);
  let left = total - shares.reduce((sum, share) => sum + share, 0);
  const byRemainder = quotas
    .map((quota, index) => ({ index, remainder: quota - shares[index]! }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left === 0) break;
    if (shares[index]! < counts[index]!) {
      shares[index]! += 1;
      left -= 1;
    }
  }
  return shares;
}

function keepClassesInBothParts(counts: readonly number[], testCounts: number[]): number[] {
  const spareTest = (index: number) => (counts[index]! >= 2 ? testCounts[index]! - 1 : testCounts[index]!);
  const spareTrain = (index: number) => counts[index]! - testCounts[index]! - 1;
  const mostSpare = (spare: (index: number) => number, except: number): number | undefined => {
    let best: number | undefined;
    counts.forEach((_, index) => {
      if (index !== except && spare(index) > 0 && (best === undefined || spare(index) > spare(best))) best = index;
    });
    return best;
  };
  counts.forEach((count, index) => {
    if (count === 1 && testCounts[index] === 1) {
      testCounts[index] = 0;
      const receiver = mostSpare(spareTrain, index);
      if (receiver !== undefined) testCounts[receiver]! += 1;
    } else if (count >= 2 && testCounts[index] === 0) {
      testCounts[index] = 1;
      const donor = mostSpare(spareTest, index);
      if (donor !== undefined) testCounts[donor]! -= 1;
    } else if (count >= 2 && testCounts[index] === count) {
      testCounts[index] = count - 1;
      const receiver = mostSpare(spareTrain, index);
      if (receiver !== undefined) testCounts[receiver]! += 1;
    }
  });
  return testCounts;
}
