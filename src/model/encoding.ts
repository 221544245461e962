import { MlopsError } from '../errors.js';

/**
 * How a model reads its raw input columns, stored with it (preprocessing.json `inputs`) and applied
 * identically by every scorer — tfjs batch scoring, the JavaScript forward pass of `mlops serve`,
 * the SQL compiler and the Python loader:
 *
 * - numeric: the value itself. With `impute` (the training mean, set for nullable columns), a
 *   missing value — null, NaN or ±Infinity — is replaced by it; without, it makes the row invalid.
 * - categorical: one 0/1 column per `vocabulary` value (learned from the training rows, sorted). A
 *   value not in the vocabulary, or null, is all zeros (unseen values are counted by the scorers).
 *
 * The encoded columns are then standardised by the model's normalisation; one-hot columns keep
 * mean 0 and std 1, so an unseen value really is all zeros at the network's input.
 */
export type InputColumn = NumericInput | CategoricalInput;

export interface NumericInput {
  name: string;
  kind: 'numeric';
  /** The value a missing entry takes (the training mean); absent = a missing entry is invalid. */
  impute?: number;
}

export interface CategoricalInput {
  name: string;
  kind: 'categorical';
  vocabulary: string[];
}

/** A categorical cell in a raw matrix: a vocabulary index, or one of these. */
export const UNSEEN = -1;
export const MISSING = -2;

/** Inputs of a model stored before encodings existed: every feature numeric, nothing imputed. */
export function numericInputs(featureNames: readonly string[]): InputColumn[] {
  return featureNames.map((name) => ({ name, kind: 'numeric' }));
}

/** The network's input columns: a numeric input keeps its name, a categorical one becomes `name=value` per value. */
export function encodedFeatureNames(inputs: readonly InputColumn[]): string[] {
  return inputs.flatMap((input) => (input.kind === 'numeric' ? [input.name] : input.vocabulary.map((value) => `${input.name}=${value}`)));
}

/** True when the encoding is the identity (every input numeric, none imputed): raw values are the features. */
export function isPlainNumeric(inputs: readonly InputColumn[]): boolean {
  return inputs.every((input) => input.kind === 'numeric' && input.impute === undefined);
}

/** Indices of the encoded columns that are one-hot (left unscaled by the normalisation). */
export function oneHotColumns(inputs: readonly InputColumn[]): number[] {
  const columns: number[] = [];
  let at = 0;
  for (const input of inputs) {
    if (input.kind === 'numeric') at++;
    else for (let k = 0; k < input.vocabulary.length; k++) columns.push(at++);
  }
  return columns;
}

/** A categorical value's cell: its vocabulary index, UNSEEN or MISSING. */
export function categoryIndex(lookup: ReadonlyMap<string, number>, value: unknown): number {
  if (value === null || value === undefined) return MISSING;
  return lookup.get(typeof value === 'string' ? value : String(value)) ?? UNSEEN;
}

export function vocabularyLookup(input: CategoricalInput): Map<string, number> {
  return new Map(input.vocabulary.map((value, index) => [value, index]));
}

/**
 * Encodes a raw matrix (rows × inputs: numeric values with NaN for missing, categorical cells as
 * vocabulary indices) into the model's features (rows × encoded width), as float32. A missing
 * numeric value without imputation stays NaN, for the caller's invalid-row rule.
 */
export function encodeRawMatrix(inputs: readonly InputColumn[], raw: ArrayLike<number>, rows: number): Float32Array {
  const width = encodedFeatureNames(inputs).length;
  const count = inputs.length;
  if (raw.length !== rows * count) {
    throw new MlopsError('INVALID_ARGUMENT', `raw input has ${raw.length} values; expected rows × inputs = ${rows} × ${count}`);
  }
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let at = r * width;
    for (let i = 0; i < count; i++) {
      const input = inputs[i]!;
      const value = raw[r * count + i]!;
      if (input.kind === 'numeric') {
        out[at++] = Number.isFinite(value) ? value : input.impute ?? NaN;
      } else {
        if (value >= 0) out[at + value] = 1;
        at += input.vocabulary.length;
      }
    }
  }
  return out;
}

/**
 * Learns the encoding from the training rows: the sorted distinct values of each categorical
 * column, and the mean of each imputed numeric column's finite values (0 when it has none).
 */
export function fitInputs(
  columns: readonly ({ name: string; kind: 'numeric'; values: Float64Array; impute: boolean } | { name: string; kind: 'categorical'; values: readonly (string | null)[] })[],
  trainRows: ArrayLike<number>,
): InputColumn[] {
  return columns.map((column): InputColumn => {
    if (column.kind === 'categorical') {
      const seen = new Set<string>();
      for (let i = 0; i < trainRows.length; i++) {
        const value = column.values[trainRows[i]!];
        if (value !== null && value !== undefined) seen.add(value);
      }
      return { name: column.name, kind: 'categorical', vocabulary: [...seen].sort() };
    }
    if (!column.impute) return { name: column.name, kind: 'numeric' };
    let sum = 0;
    let n = 0;
    for (let i = 0; i < trainRows.length; i++) {
      const value = column.values[trainRows[i]!]!;
      if (Number.isFinite(value)) {
        sum += value;
        n++;
      }
    }
    // Rounded to float32: the value the model sees for a present value is float32 too.
    return { name: column.name, kind: 'numeric', impute: Math.fround(n === 0 ? 0 : sum / n) };
  });
}

/** Checks a stored `inputs` list (from preprocessing.json); CORRUPT naming the file when it is not one. */
export function parseInputs(value: unknown, file: string): InputColumn[] {
  const fail = (why: string): never => {
    throw new MlopsError('CORRUPT', `${file}: "inputs" ${why}`, { details: { file, key: 'inputs' } });
  };
  if (!Array.isArray(value)) fail('must be a list');
  return (value as unknown[]).map((item, index) => {
    const entry = item as Record<string, unknown> | null;
    if (typeof entry !== 'object' || entry === null || typeof entry['name'] !== 'string') return fail(`[${index}] needs a name`);
    const name = entry['name'] as string;
    if (entry['kind'] === 'numeric') {
      const impute = entry['impute'];
      if (impute !== undefined && !(typeof impute === 'number' && Number.isFinite(impute))) fail(`[${index}] ("${name}"): impute must be a finite number`);
      return impute === undefined ? { name, kind: 'numeric' } : { name, kind: 'numeric', impute: impute as number };
    }
    if (entry['kind'] === 'categorical') {
      const vocabulary = entry['vocabulary'];
      if (!Array.isArray(vocabulary) || !vocabulary.every((v) => typeof v === 'string')) fail(`[${index}] ("${name}"): vocabulary must be a list of strings`);
      return { name, kind: 'categorical', vocabulary: [...(vocabulary as string[])] };
    }
    return fail(`[${index}] ("${name}"): kind must be numeric or categorical, found ${JSON.stringify(entry['kind'])}`);
  });
}
