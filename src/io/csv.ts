import { Buffer } from 'node:buffer';
import { MlopsError } from '../errors.js';
import { INCOMPLETE, RECORD, RecordScanner, recordText, SKIPPED } from './record-scanner.js';
import type { ScannedRecord } from './record-scanner.js';

/**
 * One CSV record, as offsets into the scanner's buffer: valid only inside the `drain` callback that
 * receives it (the same object is reused for every record, so nothing is allocated per record).
 * `line` is the line the record starts on: a quoted line break makes a record span lines.
 */
export interface CsvRecordView extends ScannedRecord {
  readonly fieldCount: number;
  /** Field k is bytes[fieldStart[k], fieldEnd[k]): inside the quotes for a quoted field. */
  readonly fieldStart: Int32Array;
  readonly fieldEnd: Int32Array;
  /** 0 unquoted, QUOTED (inside quotes, nothing to unescape), QUOTED_ESCAPED (holds "" pairs). */
  readonly fieldQuoting: Uint8Array;
  /** Set when the record breaks RFC 4180; the fields are then a best-effort reading. */
  readonly error: string | undefined;
}

export const QUOTED = 1;
export const QUOTED_ESCAPED = 2;

export interface CsvScannerOptions {
  /** A single ASCII character; default `,`. */
  delimiter?: string;
  /**
   * A record longer than this (bytes) fails the scan with CORRUPT: it is almost always a quote that
   * is never closed, and buffering the rest of the file would defeat streaming. Default 16 MiB.
   */
  maxRecordBytes?: number;
  /** Names the input in error messages (a file path or URL). */
  source?: string;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * A streaming RFC 4180 scanner over UTF-8 bytes, with RecordScanner's protocol (`write`, `end`,
 * `drain`). The header is the first record like any other; blank lines are skipped; CRLF, LF and
 * lone CR all end a line; quoted fields may hold delimiters, "" pairs and line breaks. Malformed
 * records come back with `error` set instead of stopping the scan, so a caller can quarantine them
 * and go on.
 */
export class CsvScanner extends RecordScanner<CsvRecordView> {
  private readonly delimiter: number;
  protected override readonly view: {
    bytes: Buffer;
    fieldCount: number;
    fieldStart: Int32Array;
    fieldEnd: Int32Array;
    fieldQuoting: Uint8Array;
    line: number;
    start: number;
    end: number;
    error: string | undefined;
  };

  constructor(options: CsvScannerOptions = {}) {
    const delimiter = options.delimiter ?? ',';
    if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 0x7f || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
      throw new MlopsError(
        'INVALID_ARGUMENT',
        `CSV delimiter must be a single ASCII character other than a quote or a line break; found ${JSON.stringify(delimiter)}`,
      );
    }
    super({ maxRecordBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, source: options.source ?? 'CSV input' });
    this.delimiter = delimiter.charCodeAt(0);
    this.view = {
      bytes: this.buffer,
      fieldCount: 0,
      fieldStart: new Int32Array(64),
      fieldEnd: new Int32Array(64),
      fieldQuoting: new Uint8Array(64),
      line: 1,
      start: 0,
      end: 0,
      error: undefined,
    };
  }

  protected override tooLongReason(line: number, maxRecordBytes: number): string {
    return `the record starting on line ${line} is longer than ${maxRecordBytes} bytes; a quote is probably opened and never closed`;
  }

  /** Scans one record at `position`; fills the view and advances, or says why it cannot. */
  protected override scanNext(): number {
    const bytes = this.buffer;
    const length = bytes.length;
    const delimiter = this.delimiter;
    const ended = this.ended;
    const start = this.position;
    if (start >= length) return INCOMPLETE;

    // A blank line is not a record.
    const first = bytes[start]!;
    if (first === LF || first === CR) {
      if (first === CR && start + 1 >= length && !ended) return INCOMPLETE;
      this.position = first === CR && bytes[start + 1] === LF ? start + 2 : start + 1;
      this.line++;
      return SKIPPED;
    }

    const view = this.view;
    let fieldStart = view.fieldStart;
    let fieldEnd = view.fieldEnd;
    let fieldQuoting = view.fieldQuoting;
    let count = 0;
    let extraLines = 0;
    let error: string | undefined;
    let i = start;

    for (;;) {
      if (count === fieldStart.length) {
        this.growFields();
        fieldStart = view.fieldStart;
        fieldEnd = view.fieldEnd;
        fieldQuoting = view.fieldQuoting;
      }
      let from: number;
      let to: number;
      let quoting = 0;
      if (i < length && bytes[i] === QUOTE) {
        from = ++i;
        quoting = QUOTED;
        for (;;) {
          while (i < length) {
            const c = bytes[i]!;
            if (c === QUOTE) break;
            if (c === LF || (c === CR && bytes[i + 1] !== LF)) extraLines++;
            i++;
          }
          if (i >= length) {
            if (!ended) return INCOMPLETE;
            error ??= 'unterminated quoted field: a quote is opened and never closed before the end of the input';
            to = length;
            break;
          }
          if (i + 1 >= length && !ended) return INCOMPLETE;
          if (bytes[i + 1] === QUOTE) {
            quoting = QUOTED_ESCAPED;
            i += 2;
            continue;
          }
          to = i++;
          break;
        }
        if (i < length) {
          const c = bytes[i]!;
          if (c !== delimiter && c !== LF && c !== CR) {
            error ??= `unexpected text after the closing quote of field ${count + 1}`;
            while (i < length && bytes[i] !== delimiter && bytes[i] !== LF && bytes[i] !== CR) i++;
            if (i >= length && !ended) return INCOMPLETE;
            to = i;
          }
        }
      } else {
        from = i;
        while (i < length) {
          const c = bytes[i]!;
          if (c === delimiter || c === LF || c === CR) break;
          i++;
        }
        if (i >= length && !ended) return INCOMPLETE;
        to = i;
      }
      fieldStart[count] = from;
      fieldEnd[count] = to;
      fieldQuoting[count] = quoting;
      count++;

      if (i >= length) {
        // The input ended (checked above): the record ends without a line break.
        this.finishRecord(start, length, length, count, error, extraLines);
        return RECORD;
      }
      const c = bytes[i]!;
      if (c === delimiter) {
        i++;
        if (i >= length) {
          if (!ended) return INCOMPLETE;
          if (count === fieldStart.length) this.growFields();
          view.fieldStart[count] = i;
          view.fieldEnd[count] = i;
          view.fieldQuoting[count] = 0;
          this.finishRecord(start, length, length, count + 1, error, extraLines);
          return RECORD;
        }
        continue;
      }
      // CR or LF.
      if (c === CR && i + 1 >= length && !ended) return INCOMPLETE;
      const next = c === CR && bytes[i + 1] === LF ? i + 2 : i + 1;
      this.finishRecord(start, i, next, count, error, extraLines);
      return RECORD;
    }
  }

  private finishRecord(start: number, end: number, next: number, count: number, error: string | undefined, extraLines: number): void {
    const view = this.view;
    view.bytes = this.buffer;
    view.fieldCount = count;
    view.line = this.line;
    view.start = start;
    view.end = end;
    view.error = error;
    this.position = next;
    this.line += 1 + extraLines;
  }

  private growFields(): void {
    const view = this.view;
    const size = view.fieldStart.length * 2;
    const grow = <T extends Int32Array | Uint8Array>(old: T, fresh: T): T => {
      fresh.set(old);
      return fresh;
    };
    view.fieldStart = grow(view.fieldStart, new Int32Array(size));
    view.fieldEnd = grow(view.fieldEnd, new Int32Array(size));
    view.fieldQuoting = grow(view.fieldQuoting, new Uint8Array(size));
  }
}

/** Field k as text: UTF-8 decoded (invalid bytes become U+FFFD) and "" unescaped. */
export function csvFieldText(record: CsvRecordView, k: number): string {
  const text = record.bytes.toString('utf8', record.fieldStart[k], record.fieldEnd[k]);
  return record.fieldQuoting[k] === QUOTED_ESCAPED ? text.replaceAll('""', '"') : text;
}

/** A record copied out of the scanner, for callers that keep records (tests, headers). */
export interface CsvRecord {
  line: number;
  fields: string[];
  raw: string;
  /** Whether each field was quoted (a quoted empty field is an empty string, an unquoted one is absent). */
  quoted: boolean[];
  error?: string;
}

export function copyCsvRecord(record: CsvRecordView): CsvRecord {
  const fields: string[] = [];
  const quoted: boolean[] = [];
  for (let k = 0; k < record.fieldCount; k++) {
    fields.push(csvFieldText(record, k));
    quoted.push(record.fieldQuoting[k] !== 0);
  }
  const copy: CsvRecord = { line: record.line, fields, raw: recordText(record), quoted };
  if (record.error !== undefined) copy.error = record.error;
  return copy;
}

/** Parses a whole CSV text or byte array into records (the first is the header). */
export function parseCsv(input: string | Uint8Array, options: CsvScannerOptions = {}): { header: CsvRecord | undefined; records: CsvRecord[] } {
  const scanner = new CsvScanner(options);
  scanner.write(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  scanner.end();
  const all: CsvRecord[] = [];
  scanner.drain((record) => {
    all.push(copyCsvRecord(record));
  });
  const [header, ...records] = all;
  return { header, records };
}
