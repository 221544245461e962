import { MlopsError } from '../../errors.js';

export type IngestColumnType = 'float64' | 'string';

export interface IngestColumn {
  name: string;
  type: IngestColumnType;
  /** For a string column, the only values accepted; anything else sends the row to quarantine. */
  allowed?: readonly string[];
}

/** What a landing file must contain. A value, not code, so it can later come from configuration. */
export interface IngestSchema {
  /** Used in messages, e.g. "the Iris schema". */
  name: string;
  columns: readonly IngestColumn[];
  /** The column the model learns to predict. */
  labelColumn: string;
}

export const IRIS_CLASSES = ['setosa', 'versicolor', 'virginica'] as const;

export const IRIS_SCHEMA: IngestSchema = {
  name: 'Iris',
  columns: [
    { name: 'sepal_length', type: 'float64' },
    { name: 'sepal_width', type: 'float64' },
    { name: 'petal_length', type: 'float64' },
    { name: 'petal_width', type: 'float64' },
    { name: 'species', type: 'string', allowed: IRIS_CLASSES },
  ],
  labelColumn: 'species',
};

/**
 * Where each schema column sits in a file's header: the header must name every schema column exactly
 * once and nothing else, in any order. Anything else rejects the whole file, because a wrong header
 * means the file is not the data we think it is (unlike one bad row, which is quarantined).
 */
export function matchHeader(schema: IngestSchema, header: readonly string[] | undefined, file: string): number[] {
  const expected = schema.columns.map((column) => column.name);
  const found = (header ?? []).map((name) => name.trim());
  const duplicates = found.filter((name, index) => found.indexOf(name) !== index);
  const missing = expected.filter((name) => !found.includes(name));
  const unexpected = found.filter((name) => !expected.includes(name));
  if (header !== undefined && missing.length === 0 && unexpected.length === 0 && duplicates.length === 0) {
    return expected.map((name) => found.indexOf(name));
  }
  const problems = [
    header === undefined ? 'the file is empty' : '',
    header !== undefined && missing.length > 0 ? `missing ${missing.join(', ')}` : '',
    unexpected.length > 0 ? `unexpected ${unexpected.join(', ')}` : '',
    duplicates.length > 0 ? `repeated ${[...new Set(duplicates)].join(', ')}` : '',
  ].filter((problem) => problem !== '');
  throw new MlopsError(
    'SCHEMA_MISMATCH',
    `${file}: the header does not match the ${schema.name} schema (${problems.join('; ')}); ` +
      `expected ${expected.join(',')}; found ${header === undefined ? '(nothing)' : found.join(',')}`,
    { details: { file, expected, found: header === undefined ? null : found, missing, unexpected } },
  );
}
