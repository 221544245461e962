/**
 * `{"predictions": [...]}` as MLflow's scoring server writes a DataFrame result (orient="records"):
 * one object per row with `prediction` (the most probable label, the first on ties) and
 * `probability_<label>` per class — the columns of the model's output signature.
 */
export function predictionsJson(labels: readonly string[], proba: ArrayLike<number>, rows: number): string {
  const width = labels.length;
  const keys = labels.map((label) => `,${JSON.stringify(`probability_${label}`)}:`);
  const quotedLabels = labels.map((label) => JSON.stringify(label));
  const parts: string[] = new Array(rows);
  for (let r = 0; r < rows; r++) {
    const offset = r * width;
    let best = 0;
    for (let k = 1; k < width; k++) if (proba[offset + k]! > proba[offset + best]!) best = k;
    let row = `{"prediction":${quotedLabels[best]}`;
    for (let k = 0; k < width; k++) row += keys[k] + jsonNumber(proba[offset + k]!);
    parts[r] = row + '}';
  }
  return `{"predictions":[${parts.join(',')}]}`;
}

function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}
