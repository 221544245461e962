import { type InputSchema, type ParsedInput, columnIndex, readCell } from './parse-input.js';
import { badRequest, invalidInput } from './scoring-error.js';

/**
 * A text/csv body (a header row of column names, then one line per row, as
 * pandas.DataFrame.to_csv writes it) → the model's rows. Quoted fields may hold commas, quotes
 * ("") and newlines; columns the model does not use (such as pandas' unnamed index) are ignored.
 */
export function parseCsvInput(text: string, schema: InputSchema): ParsedInput {
  const records = splitCsv(text);
  const header = records.shift();
  if (header === undefined) throw badRequest('The CSV body is empty; expected a header row with the column names, then the rows');
  const index = columnIndex(header, schema);
  const width = schema.featureNames.length;
  const out = new Float32Array(records.length * width);
  records.forEach((record, r) => {
    if (record.length !== header.length) {
      throw invalidInput(`CSV row ${r} has ${record.length} fields; the header has ${header.length}`, { row: r });
    }
    schema.featureNames.forEach((name, j) => (out[r * width + j] = readCell(schema, j, record[index[j]!], r)));
  });
  return { features: out, rows: records.length };
}

/** RFC 4180 fields; blank lines are skipped. */
function splitCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  const endRecord = () => {
    if (fieldStarted || record.length > 0 || field !== '') {
      record.push(field);
      records.push(record);
    }
    record = [];
    field = '';
    fieldStarted = false;
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
      endRecord();
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw badRequest('The CSV body ends inside a quoted field');
  endRecord();
  return records;
}
