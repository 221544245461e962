import { Buffer, isUtf8 } from 'node:buffer';
import { copyCsvRecord, CsvScanner, QUOTED_ESCAPED } from '../../io/csv.js';
import type { CsvRecordView } from '../../io/csv.js';
import { BadFileError } from './bad-file.js';
import { coerceText, parseDecimalBytes } from './coerce.js';
import { ScannedRowDecoder } from './decoder.js';
import { matchColumns } from './schema.js';
import type { ColumnMatch, IngestColumn } from './schema.js';

const SPACE = 0x20;
const TAB = 0x09;

/**
 * CSV → rows. The header names the columns (matched to the schema by name, in any order); each record
 * is coerced straight from its bytes — numbers and IN (…) values without making strings — and
 * either committed to the RowBuffer or quarantined with its raw text, line number and reasons.
 */
export class CsvRowDecoder extends ScannedRowDecoder<CsvRecordView> {
  protected override readonly scanner = new CsvScanner({ source: this.file });
  private readonly columns: readonly IngestColumn[] = this.schema.columns;
  private readonly allowedBytes: (Buffer[] | undefined)[] = this.columns.map((column) => column.allowed?.map((value) => Buffer.from(value, 'utf8')));
  /** Per schema column: which fast path applies, and whether nulls are allowed. */
  private readonly kinds = Uint8Array.from(this.columns, (column) => (column.type === 'double' ? KIND_DOUBLE : column.allowed !== undefined ? KIND_ALLOWED : KIND_OTHER));
  private readonly nullable: boolean[] = this.columns.map((column) => column.nullable);
  private match: ColumnMatch | undefined;
  private headerFields = 0;

  /** A file without even a header cannot be ingested. */
  override finish(): void {
    if (this.match === undefined) throw new BadFileError('SCHEMA_MISMATCH', this.file, 'the file is empty: there is no header line');
  }

  /** The first record names the columns; a bad one makes the whole file bad, and nothing after it is read. */
  private readHeader(record: CsvRecordView): void {
    if (record.error !== undefined) throw new BadFileError('SCHEMA_MISMATCH', this.file, `the header line is not valid CSV (${record.error})`);
    const header = copyCsvRecord(record).fields;
    const match = matchColumns(this.schema, header, this.onExtraColumns);
    if (typeof match === 'string') throw new BadFileError('SCHEMA_MISMATCH', this.file, `the header ${match}`, { found: header.map((name) => name.trim()) });
    this.match = match;
    this.headerFields = header.length;
  }

  protected override decodeRecord(record: CsvRecordView): void {
    const match = this.match;
    if (match === undefined) {
      this.readHeader(record);
      return;
    }
    const rows = this.rows;
    if (record.error !== undefined) {
      this.quarantineRecord(record, `malformed CSV: ${record.error}`);
      return;
    }
    if (record.fieldCount !== this.headerFields) {
      this.quarantineRecord(record, `expected ${this.headerFields} fields, found ${record.fieldCount}`);
      return;
    }
    const bytes = record.bytes;
    const fieldStart = record.fieldStart;
    const fieldEnd = record.fieldEnd;
    const fieldQuoting = record.fieldQuoting;
    const positions = match.positions;
    const kinds = this.kinds;
    const row = rows.rows;
    let reasons: string[] | undefined;
    for (let k = 0; k < kinds.length; k++) {
      const position = positions[k]!;
      if (position < 0) {
        rows.setNull(k);
        continue;
      }
      let start = fieldStart[position]!;
      let end = fieldEnd[position]!;
      const quoting = fieldQuoting[position]!;
      if (quoting === 0) {
        while (start < end && (bytes[start] === SPACE || bytes[start] === TAB)) start++;
        while (end > start && (bytes[end - 1] === SPACE || bytes[end - 1] === TAB)) end--;
      }
      const kind = kinds[k]!;
      // Fast paths: a plain number or an allowed value is stored without making a string.
      if (start < end && quoting !== QUOTED_ESCAPED) {
        if (kind === KIND_DOUBLE) {
          const value = parseDecimalBytes(bytes, start, end);
          if (value === value) {
            rows.float64[k]![row] = value;
            if (this.nullable[k]) rows.markValid(k);
            continue;
          }
        } else if (kind === KIND_ALLOWED) {
          const index = indexOfBytes(this.allowedBytes[k]!, bytes, start, end);
          if (index >= 0) {
            rows.int32[k]![row] = index;
            if (this.nullable[k]) rows.markValid(k);
            continue;
          }
        }
      }
      const column = this.columns[k]!;
      if (column.type === 'string' && !isUtf8(bytes.subarray(start, end))) {
        (reasons ??= []).push(`${column.name} is not valid UTF-8`);
        continue;
      }
      let text = bytes.toString('utf8', start, end);
      if (quoting === QUOTED_ESCAPED) text = text.replaceAll('""', '"');
      const coerced = coerceText(column, text, quoting !== 0);
      if (coerced.ok) rows.set(k, coerced.value);
      else (reasons ??= []).push(coerced.reason);
    }
    if (reasons !== undefined) {
      this.quarantineRecord(record, reasons.join('; '));
      return;
    }
    if (match.extras.length > 0) {
      const rescued = rescuedJson(record, match);
      if (rescued !== undefined) rows.setRescued(rescued);
    }
    rows.commit();
  }
}

const KIND_OTHER = 0;
const KIND_DOUBLE = 1;
const KIND_ALLOWED = 2;

function indexOfBytes(candidates: readonly Buffer[], bytes: Buffer, start: number, end: number): number {
  const length = end - start;
  outer: for (let index = 0; index < candidates.length; index++) {
    const candidate = candidates[index]!;
    if (candidate.length !== length) continue;
    for (let i = 0; i < length; i++) if (candidate[i] !== bytes[start + i]) continue outer;
    return index;
  }
  return -1;
}

/** The row's extra columns that hold something, as a JSON object of their text values. */
function rescuedJson(record: CsvRecordView, match: ColumnMatch): string | undefined {
  const extra: Record<string, string> = {};
  let any = false;
  for (const { name, position } of match.extras) {
    let text = record.bytes.toString('utf8', record.fieldStart[position], record.fieldEnd[position]);
    if (record.fieldQuoting[position] === QUOTED_ESCAPED) text = text.replaceAll('""', '"');
    if (record.fieldQuoting[position] === 0) text = text.trim();
    if (text === '' && record.fieldQuoting[position] === 0) continue;
    extra[name] = text;
    any = true;
  }
  return any ? JSON.stringify(extra) : undefined;
}
