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
  return takeFromEachClass(members, testCounts, options.seed);
}

/**
 * A seeded stratified sample of `size` row indices (ascending) out of `labels.length`: each class
 * keeps its share of the rows by largest remainder, and which rows of a class are kept is a seeded
 * shuffle. `size` ≥ the row count keeps every row.
 */
export function stratifiedSample(labels: ArrayLike<number>, size: number, seed: number): Int32Array {
  if (!(Number.isInteger(size) && size > 0)) throw new MlopsError('INVALID_ARGUMENT', `A sample size must be a positive integer, got ${size}`);
  if (size >= labels.length) return Int32Array.from({ length: labels.length }, (_, row) => row);
  const members = groupByLabel(labels);
  const counts = proportionalCounts(
    members.map((rowsOfClass) => rowsOfClass.length),
    size,
  );
  return takeFromEachClass(members, counts, seed).test;
}

/** Shuffles each class's rows (seeded) and puts the first `counts[class]` of them in `test`. */
function takeFromEachClass(members: Int32Array[], counts: readonly number[], seed: number): Split {
  const random = createRandom(seed);
  const testTotal = counts.reduce((sum, count) => sum + count, 0);
  const rows = members.reduce((sum, rowsOfClass) => sum + rowsOfClass.length, 0);
  const train = new Int32Array(rows - testTotal);
  const test = new Int32Array(testTotal);
  let trainAt = 0;
  let testAt = 0;
  members.forEach((rowsOfClass, index) => {
    shuffleInPlace(rowsOfClass, random);
    const testCount = counts[index]!;
    // Typed-array copies, never push(...rows): a spread of a big class overflows the call stack.
    test.set(rowsOfClass.subarray(0, testCount), testAt);
    train.set(rowsOfClass.subarray(testCount), trainAt);
    testAt += testCount;
    trainAt += rowsOfClass.length - testCount;
  });
  return { train: train.sort(), test: test.sort() };
}

/** Row indices per distinct label, labels ascending, rows ascending within each. */
function groupByLabel(labels: ArrayLike<number>): Int32Array[] {
  const sizes = new Map<number, number>();
  for (let row = 0; row < labels.length; row++) {
    const label = labels[row]!;
    if (!Number.isFinite(label)) {
      throw new MlopsError('INVALID_ARGUMENT', `Row ${row}: expected a class label number, found ${label}`, { details: { row, found: label } });
    }
    sizes.set(label, (sizes.get(label) ?? 0) + 1);
  }
  const ordered = [...sizes.keys()].sort((a, b) => a - b);
  const members = new Map(ordered.map((label) => [label, { rows: new Int32Array(sizes.get(label)!), filled: 0 }]));
  for (let row = 0; row < labels.length; row++) {
    const group = members.get(labels[row]!)!;
    group.rows[group.filled++] = row;
  }
  return ordered.map((label) => members.get(label)!.rows);
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
