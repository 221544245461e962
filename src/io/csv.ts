import { Buffer } from 'node:buffer';
import { MlopsError } from '../errors.js';

/**
 * One CSV record, as offsets into the scanner's buffer: valid only inside the `drain` callback that
 * receives it (the same object is reused for every record, so nothing is allocated per record).
 */
export interface CsvRecordView {
  /** The bytes the offsets point into. */
  readonly bytes: Buffer;
  readonly fieldCount: number;
  /** Field k is bytes[fieldStart[k], fieldEnd[k]): inside the quotes for a quoted field. */
  readonly fieldStart: Int32Array;
  readonly fieldEnd: Int32Array;
  /** 0 unquoted, QUOTED (inside quotes, nothing to unescape), QUOTED_ESCAPED (holds "" pairs). */
  readonly fieldQuoting: Uint8Array;
  /** 1-based line on which the record starts (a quoted line break makes a record span lines). */
  readonly line: number;
  /** The record's raw bytes, without its line ending: bytes[start, end). */
  readonly start: number;
  readonly end: number;
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
 * A streaming RFC 4180 scanner over UTF-8 bytes. Feed chunks with `write`, call `end` after the last
 * one, and take records with `drain`, which stops early when its callback returns false so a caller
 * can flush output between records. The header is the first record like any other; blank lines are
 * skipped; a leading BOM is ignored; CRLF, LF and lone CR all end a line; quoted fields may hold
 * delimiters, "" pairs and line breaks. Malformed records come back with `error` set instead of
 * stopping the scan, so a caller can quarantine them and go on.
 */
export class CsvScanner {
  private readonly delimiter: number;
  private readonly maxRecordBytes: number;
  private readonly source: string;
  private buffer: Buffer = Buffer.alloc(0);
  private position = 0;
  private line = 1;
  private ended = false;
  private bomChecked = false;
  private readonly view: {
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
    this.delimiter = delimiter.charCodeAt(0);
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.source = options.source ?? 'CSV input';
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

  /** Bytes buffered but not yet returned as records (an unfinished record). */
  get pendingBytes(): number {
    return this.buffer.length - this.position;
  }

  write(chunk: Uint8Array): void {
    if (this.ended) throw new MlopsError('INTERNAL', 'CsvScanner.write called after end()');
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.position >= this.buffer.length) this.buffer = bytes;
    else this.buffer = Buffer.concat([this.buffer.subarray(this.position), bytes]);
    this.position = 0;
    if (this.buffer.length > this.maxRecordBytes) this.checkRecordLength();
  }

  /** No more input: the last record may end without a line break. */
  end(): void {
    this.ended = true;
  }

  /**
   * Calls `onRecord` for each complete record until it returns false (then returns false: call again
   * to go on). Returns true when every complete record has been taken and more input, or `end`, is
   * needed.
   */
  drain(onRecord: (record: CsvRecordView) => boolean | void): boolean {
    if (!this.bomChecked && !this.skipBom()) return true;
    for (;;) {
      const next = this.scanRecord();
      if (next === INCOMPLETE) {
        this.checkRecordLength();
        return true;
      }
      if (next === NO_RECORD) continue;
      if (onRecord(this.view) === false) return false;
    }
  }

  private skipBom(): boolean {
    const buffer = this.buffer;
    if (buffer.length - this.position < 3 && !this.ended) return false;
    if (buffer[this.position] === 0xef && buffer[this.position + 1] === 0xbb && buffer[this.position + 2] === 0xbf) this.position += 3;
    this.bomChecked = true;
    return true;
  }

  private checkRecordLength(): void {
    if (this.buffer.length - this.position > this.maxRecordBytes) {
      throw new MlopsError(
        'CORRUPT',
        `${this.source}: the record starting on line ${this.line} is longer than ${this.maxRecordBytes} bytes; a quote is probably opened and never closed`,
        { details: { source: this.source, line: this.line } },
      );
    }
  }

  /** Scans one record at `position`; fills the view and advances, or says why it cannot. */
  private scanRecord(): number {
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
      return NO_RECORD;
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

const RECORD = 0;
const NO_RECORD = 1;
const INCOMPLETE = 2;

/** Field k as text: UTF-8 decoded (invalid bytes become U+FFFD) and "" unescaped. */
export function csvFieldText(record: CsvRecordView, k: number): string {
  const text = record.bytes.toString('utf8', record.fieldStart[k], record.fieldEnd[k]);
  return record.fieldQuoting[k] === QUOTED_ESCAPED ? text.replaceAll('""', '"') : text;
}

/** The whole record as it appeared in the input, without its line ending. */
export function csvRecordText(record: CsvRecordView): string {
  return record.bytes.toString('utf8', record.start, record.end);
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
  const copy: CsvRecord = { line: record.line, fields, raw: csvRecordText(record), quoted };
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
