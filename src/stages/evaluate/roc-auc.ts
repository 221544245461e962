/**
 * Area under the ROC curve, as scikit-learn's roc_auc_score computes it: for one class, the
 * probability that a random positive row scores higher than a random negative one, ties
 * counting one half (the Mann–Whitney U statistic, which equals the trapezoidal area).
 */
export function binaryRocAuc(isPositive: ArrayLike<boolean>, scores: ArrayLike<number>): number | undefined {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let positiveRankSum = 0;
  // Ranks 1..n in ascending score order; tied scores share the average of their ranks.
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) {
      if (isPositive[order[i]!]) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  // Undefined with only one class present, where scikit-learn raises instead.
  if (positives === 0 || negatives === 0) return undefined;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface OvrRocAuc {
  /** Per class; undefined for a class absent from (or the only class of) the truth. */
  perClass: (number | undefined)[];
  /** Unweighted mean over the classes where it is defined (scikit-learn's multi_class="ovr", average="macro"). */
  macro: number;
  /** Mean weighted by each class's number of true rows (average="weighted"). */
  weighted: number;
}

/**
 * One-vs-rest ROC AUC of a multiclass model: each class's probability column against "is this
 * class". With two classes it is the ordinary binary AUC for both. NaN when no class has both
 * positive and negative rows.
 */
export function ovrRocAuc(yTrue: Int32Array, proba: Float32Array, numClasses: number): OvrRocAuc {
  const rows = yTrue.length;
  const perClass: (number | undefined)[] = [];
  const scores = new Float64Array(rows);
  const isPositive = new Array<boolean>(rows);
  for (let k = 0; k < numClasses; k++) {
    for (let r = 0; r < rows; r++) {
      scores[r] = proba[r * numClasses + k]!;
      isPositive[r] = yTrue[r] === k;
    }
    perClass.push(binaryRocAuc(isPositive, scores));
  }
  const supports = Array.from({ length: numClasses }, (_, k) => yTrue.reduce((count, truth) => count + (truth === k ? 1 : 0), 0));
  return ovrFromPerClass(perClass, supports);
}

/** The macro and support-weighted averages of per-class AUCs (undefined ones left out); `supports[k]` = true rows of class k. */
export function ovrFromPerClass(perClass: (number | undefined)[], supports: readonly number[]): OvrRocAuc {
  let sum = 0;
  let defined = 0;
  let weightedSum = 0;
  let weight = 0;
  perClass.forEach((auc, k) => {
    if (auc === undefined) return;
    const support = supports[k]!;
    sum += auc;
    defined++;
    weightedSum += auc * support;
    weight += support;
  });
  return { perClass, macro: defined === 0 ? NaN : sum / defined, weighted: weight === 0 ? NaN : weightedSum / weight };
}
