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
  const n = positiveScores.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (isPositive[i]) positives++;
  if (positives === 0 || positives === n) return undefined;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => positiveScores[b]! - positiveScores[a]!);
  let truePositives = 0;
  let taken = 0;
  let previousRecall = 0;
  let prAuc = 0;
  let bestF1 = -1;
  let bestThreshold = 1;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && positiveScores[order[end + 1]!] === positiveScores[order[start]!]) end++;
    for (let i = start; i <= end; i++) if (isPositive[order[i]!]) truePositives++;
    taken = end + 1;
    const precision = truePositives / taken;
    const recall = truePositives / positives;
    prAuc += (recall - previousRecall) * precision;
    previousRecall = recall;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    if (f1 > bestF1) {
      bestF1 = f1;
      bestThreshold = positiveScores[order[start]!]!;
    }
    start = end + 1;
  }
  return { pr_auc: prAuc, decision_threshold: 0.5, best_f1_threshold: bestThreshold, best_f1: bestF1 };
}
