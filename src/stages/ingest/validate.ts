import { CsvParser } from '../../io/csv.js';
import type { CsvRecord } from '../../io/csv.js';
import { matchHeader } from './schema.js';
import type { IngestColumn, IngestSchema } from './schema.js';

/** A row that failed validation, kept with everything needed to find and fix it. */
export interface QuarantinedRow {
  /** 1-based line in the source file where the record starts. */
  line: number;
  /** The record exactly as it appeared in the file. */
  raw: string;
  reason: string;
}

/** A landing file after validation: the good rows column by column, the bad ones set aside. */
export interface ValidatedFile {
  /** The source-relative path, as in SourceFile.path. */
  file: string;
  rows: number;
  /** One array per schema column, in schema order: numbers for float64 columns, strings otherwise. */
  columns: (number[] | string[])[];
  quarantined: QuarantinedRow[];
}

// Plain decimal or scientific notation only: Number() would also take "0x1A", "Infinity" and "" (as 0).
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Validates one CSV file against the schema. A wrong header throws SCHEMA_MISMATCH (the whole file is
 * rejected); a bad row is quarantined with its line number and reason; invalid UTF-8 throws CORRUPT.
 */
export function validateCsv(schema: IngestSchema, file: string, content: string | Uint8Array): ValidatedFile {
  const parser = new CsvParser({ source: file });
  const records = parser.push(content);
  records.push(...parser.end());
  const [header, ...rows] = records;
  const positions = matchHeader(schema, header?.fields, file);

  const columns: (number[] | string[])[] = schema.columns.map(() => []);
  const quarantined: QuarantinedRow[] = [];
  let count = 0;
  for (const record of rows) {
    const parsed = parseRow(schema.columns, positions, record);
    if (typeof parsed === 'string') {
      quarantined.push({ line: record.line, raw: record.raw, reason: parsed });
      continue;
    }
    parsed.forEach((value, index) => (columns[index] as (number | string)[]).push(value));
    count++;
  }
  return { file, rows: count, columns, quarantined };
}

/** The row's values in schema order, or the reason it is rejected. */
function parseRow(columns: readonly IngestColumn[], positions: readonly number[], record: CsvRecord): (number | string)[] | string {
  if (record.error !== undefined) return `malformed CSV: ${record.error}`;
  if (record.fields.length !== positions.length) {
    return `expected ${positions.length} fields, found ${record.fields.length}`;
  }
  const values: (number | string)[] = [];
  const problems: string[] = [];
  columns.forEach((column, index) => {
    const text = (record.fields[positions[index] ?? -1] ?? '').trim();
    if (column.type === 'float64') {
      if (text === '') problems.push(`${column.name} is empty`);
      else if (!DECIMAL.test(text)) problems.push(`${column.name} ${JSON.stringify(text)} is not a number`);
      else if (!Number.isFinite(Number(text))) problems.push(`${column.name} ${JSON.stringify(text)} is out of the float64 range`);
      else values.push(Number(text));
    } else if (column.allowed !== undefined && !column.allowed.includes(text)) {
      problems.push(`${column.name} ${JSON.stringify(text)} is not one of ${column.allowed.join(', ')}`);
    } else {
      values.push(text);
    }
  });
  return problems.length > 0 ? problems.join('; ') : values;
}
