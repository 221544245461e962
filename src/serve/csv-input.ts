import { type InputSchema, type ParsedInput, columnIndex, readCell } from './parse-input.js';
import { badRequest, invalidInput, tooManyRows } from './scoring-error.js';

/**
 * A text/csv body (a header row of column names, then one line per row, as
 * pandas.DataFrame.to_csv writes it) → the model's rows. Quoted fields may hold commas, quotes
 * ("") and newlines; columns the model does not use (such as pandas' unnamed index) are ignored.
 */
export function parseCsvInput(text: string, schema: InputSchema, options: { maxRows?: number } = {}): ParsedInput {
  const maxRows = options.maxRows ?? Infinity;
  const records = splitCsv(text);
  const first = records.next();
  if (first.done) throw badRequest('The CSV body is empty; expected a header row with the column names, then the rows');
  const header = first.value;
  const index = columnIndex(header, schema);
  const width = schema.featureNames.length;
  // Records are converted one at a time, never all held as strings: memory is the numbers only.
  let out = new Float32Array(1024 * width);
  let rows = 0;
  for (const record of records) {
    const r = rows;
    if (r >= maxRows) throw tooManyRows(`more than ${maxRows}`, maxRows);
    if (record.length !== header.length) {
      throw invalidInput(`CSV row ${r} has ${record.length} fields; the header has ${header.length}`, { row: r });
    }
    if ((r + 1) * width > out.length) {
      const grown = new Float32Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    for (let j = 0; j < width; j++) out[r * width + j] = readCell(schema, j, record[index[j]!], r);
    rows++;
  }
  return { features: out.slice(0, rows * width), rows };
}

/** RFC 4180 fields; blank lines are skipped. */
function* splitCsv(text: string): Generator<string[]> {
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  /** The record that ends here, or undefined for a blank line. */
  const endRecord = (): string[] | undefined => {
    let done: string[] | undefined;
    if (fieldStarted || record.length > 0 || field !== '') {
      record.push(field);
      done = record;
    }
    record = [];
    field = '';
    fieldStarted = false;
    return done;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') {
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      const done = endRecord();
      if (done !== undefined) yield done;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw badRequest('The CSV body ends inside a quoted field');
  const last = endRecord();
  if (last !== undefined) yield last;
}
