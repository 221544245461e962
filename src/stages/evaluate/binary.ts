/**
 * Metrics only a two-class model has, for the positive class (the second label in sorted order,
 * as scikit-learn's pos_label for sorted classes): PR AUC as average precision (scikit-learn's
 * average_precision_score: Σ (R_n − R_{n−1}) · P_n over descending score thresholds, ties
 * grouped), the decision threshold the predictions use (0.5 on the positive probability: the
 * argmax of two probabilities), and the threshold that maximises F1 on these rows.
 */
export interface BinaryMetrics {
  pr_auc: number;
  decision_threshold: number;
  best_f1_threshold: number;
  best_f1: number;
}

export function binaryMetrics(isPositive: ArrayLike<boolean>, positiveScores: ArrayLike<number>): BinaryMetrics | undefined {
  const steps = prSteps(isPositive, positiveScores);
  if (steps === undefined) return undefined;
  let previousRecall = 0;
  let prAuc = 0;
  let bestF1 = -1;
  let bestThreshold = 1;
  for (const { threshold, precision, recall } of steps) {
    prAuc += (recall - previousRecall) * precision;
    previousRecall = recall;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    if (f1 > bestF1) {
      bestF1 = f1;
      bestThreshold = threshold;
    }
  }
  return { pr_auc: prAuc, decision_threshold: 0.5, best_f1_threshold: bestThreshold, best_f1: bestF1 };
}

/** A precision-recall curve: parallel arrays, recall rising from 0 (where precision is 1 by convention, as in scikit-learn). */
export interface PrCurve {
  recall: number[];
  precision: number[];
  /** The positive-score threshold of each point (the first, recall 0, has none: 1). */
  thresholds: number[];
}

/**
 * The precision-recall curve over descending score thresholds (ties grouped), thinned to at most
 * `maxPoints` points (the first and last kept, the rest evenly spaced by rank) so that a report and
 * a run's output stay small; undefined when one class is absent.
 */
export function prCurve(isPositive: ArrayLike<boolean>, positiveScores: ArrayLike<number>, maxPoints = 101): PrCurve | undefined {
  const steps = prSteps(isPositive, positiveScores);
  if (steps === undefined) return undefined;
  const all = [{ threshold: 1, precision: 1, recall: 0 }, ...steps];
  const keep = all.length <= maxPoints ? all : Array.from({ length: maxPoints }, (_, i) => all[Math.round((i * (all.length - 1)) / (maxPoints - 1))]!);
  return { recall: keep.map((p) => p.recall), precision: keep.map((p) => p.precision), thresholds: keep.map((p) => p.threshold) };
}

/** Precision and recall at each distinct score, highest first; undefined when all rows are of one class. */
function prSteps(isPositive: ArrayLike<boolean>, positiveScores: ArrayLike<number>): { threshold: number; precision: number; recall: number }[] | undefined {
  const n = positiveScores.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (isPositive[i]) positives++;
  if (positives === 0 || positives === n) return undefined;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => positiveScores[b]! - positiveScores[a]!);
  const steps: { threshold: number; precision: number; recall: number }[] = [];
  let truePositives = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && positiveScores[order[end + 1]!] === positiveScores[order[start]!]) end++;
    for (let i = start; i <= end; i++) if (isPositive[order[i]!]) truePositives++;
    steps.push({ threshold: positiveScores[order[start]!]!, precision: truePositives / (end + 1), recall: truePositives / positives });
    start = end + 1;
  }
  return steps;
}
