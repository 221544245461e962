import { TextDecoder } from 'node:util';
import { MlopsError } from '../errors.js';

/** One CSV record as it appeared in the input. */
export interface CsvRecord {
  /** 1-based line on which the record starts (records with quoted line breaks span several lines). */
  line: number;
  fields: string[];
  /** The record's text exactly as in the input, without its line ending; kept so bad rows can be quarantined verbatim. */
  raw: string;
  /** Set when the record breaks RFC 4180; `fields` then holds a best-effort reading. */
  error?: string;
}

export interface CsvOptions {
  /** A single character; default `,`. */
  delimiter?: string;
  /** Names the input in error messages (a file path or URL). */
  source?: string;
}

export interface CsvDocument {
  /** The first record; undefined for an input with no records at all. */
  header: CsvRecord | undefined;
  records: CsvRecord[];
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

const enum State {
  /** At the first character of a field (or of a record). */
  FieldStart,
  Unquoted,
  Quoted,
  /** Just read a quote inside a quoted field: either an escaped quote or the closing one. */
  QuoteInQuoted,
  /** Text after a closing quote and before the delimiter: malformed, kept as part of the field. */
  AfterClosingQuote,
}

/**
 * Incremental RFC 4180 parser: feed text (or UTF-8 bytes) chunk by chunk with `push`, then call `end`.
 * Every record is returned, the header included; blank lines are skipped. A leading BOM is ignored,
 * CRLF, LF and lone CR all end a line, and a field may hold quoted delimiters, quotes ("") and line breaks.
 * Malformed records are returned with `error` set instead of aborting the parse, so a caller can
 * quarantine them and keep going.
 */
export class CsvParser {
  private readonly delimiter: number;
  private readonly source: string | undefined;
  private decoder: TextDecoder | undefined;
  private started = false;
  private ended = false;

  /** Text of the record in progress (earlier, finished records are dropped after each push). */
  private buffer = '';
  private recordStart = 0;
  private scanFrom = 0;
  private state = State.FieldStart;
  private fields: string[] = [];
  private fieldStart = 0;
  private quotedParts: string[] = [];
  private recordError: string | undefined;
  private recordLine = 1;
  /** The physical line of the next character to scan. */
  private line = 1;
  private previousWasCR = false;
  /** A CR just ended a record, so an LF right after it belongs to the same line ending. */
  private skipLineFeed = false;

  constructor(options: CsvOptions = {}) {
    const delimiter = options.delimiter ?? ',';
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
      throw new MlopsError(
        'INVALID_ARGUMENT',
        `CSV delimiter must be a single character other than a quote or a line break; found ${JSON.stringify(delimiter)}`,
      );
    }
    this.delimiter = delimiter.charCodeAt(0);
    this.source = options.source;
  }

  push(chunk: string | Uint8Array): CsvRecord[] {
    if (this.ended) {
      throw new MlopsError('INTERNAL', 'CsvParser.push called after end()');
    }
    return this.scan(typeof chunk === 'string' ? chunk : this.decode(chunk, true));
  }

  /** Flushes the last record (one without a trailing line break) and reports an unterminated quote. */
  end(): CsvRecord[] {
    if (this.ended) return [];
    const records = this.decoder === undefined ? [] : this.scan(this.decode(new Uint8Array(0), false));
    this.ended = true;
    const position = this.buffer.length;
    switch (this.state) {
      case State.FieldStart:
        if (this.fields.length === 0) return records;
        this.fields.push('');
        break;
      case State.Unquoted:
        this.fields.push(this.buffer.slice(this.fieldStart, position));
        break;
      case State.Quoted:
        this.recordError ??= 'unterminated quoted field: a quote is opened and never closed before the end of the input';
        this.quotedParts.push(this.buffer.slice(this.fieldStart, position));
        this.fields.push(this.quotedParts.join(''));
        break;
      case State.QuoteInQuoted:
        this.fields.push(this.quotedParts.join(''));
        break;
      case State.AfterClosingQuote:
        this.fields.push(this.quotedParts.join('') + this.buffer.slice(this.fieldStart, position));
        break;
    }
    records.push(this.takeRecord(position));
    return records;
  }

  private decode(bytes: Uint8Array, stream: boolean): string {
    // fatal: a CSV that is not UTF-8 should be reported, not silently filled with U+FFFD.
    this.decoder ??= new TextDecoder('utf-8', { fatal: true });
    try {
      return this.decoder.decode(bytes, { stream });
    } catch (error) {
      throw new MlopsError(
        'CORRUPT',
        `${this.source ?? 'CSV input'} is not valid UTF-8 (near line ${this.line})`,
        { cause: error, details: { source: this.source, line: this.line } },
      );
    }
  }

  private scan(text: string): CsvRecord[] {
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const buffer = this.buffer + text;
    this.buffer = buffer;
    const length = buffer.length;
    const delimiter = this.delimiter;
    const records: CsvRecord[] = [];

    // The hot loop works on locals and writes them back once, sparing a property write per character.
    let state = this.state;
    let fields = this.fields;
    let fieldStart = this.fieldStart;
    let recordStart = this.recordStart;
    let recordLine = this.recordLine;
    let recordError = this.recordError;
    let line = this.line;
    let previousWasCR = this.previousWasCR;
    let skipLineFeed = this.skipLineFeed;

    scanning: for (let i = this.scanFrom; i < length; i++) {
      let c = buffer.charCodeAt(i);
      if (skipLineFeed) {
        skipLineFeed = false;
        if (c === LF) {
          previousWasCR = false;
          recordStart = i + 1;
          continue;
        }
      }
      if (state === State.Unquoted) {
        // Fast path: nothing but the delimiter or a line break can end an unquoted field.
        while (c !== delimiter && c !== CR && c !== LF) {
          if (++i === length) break scanning;
          c = buffer.charCodeAt(i);
        }
      } else if (state === State.Quoted) {
        // Fast path: only a quote matters inside a quoted field, but its line breaks still count.
        while (c !== QUOTE) {
          if (c === CR || (c === LF && !previousWasCR)) line++;
          previousWasCR = c === CR;
          if (++i === length) break scanning;
          c = buffer.charCodeAt(i);
        }
      }
      const isLineBreak = c === CR || c === LF;
      if (c === CR || (c === LF && !previousWasCR)) line++;
      previousWasCR = c === CR;
      let recordEnds = false;

      switch (state) {
        case State.FieldStart:
          if (c === QUOTE) {
            state = State.Quoted;
            this.quotedParts = [];
            fieldStart = i + 1;
          } else if (c === delimiter) {
            fields.push('');
          } else if (isLineBreak) {
            if (fields.length === 0) {
              // A blank line: not a record.
              recordStart = i + 1;
              recordLine = line;
              skipLineFeed = c === CR;
            } else {
              fields.push('');
              recordEnds = true;
            }
          } else {
            state = State.Unquoted;
            fieldStart = i;
          }
          break;
        case State.Unquoted:
          fields.push(buffer.slice(fieldStart, i));
          if (c === delimiter) state = State.FieldStart;
          else recordEnds = true;
          break;
        case State.Quoted:
          this.quotedParts.push(buffer.slice(fieldStart, i));
          state = State.QuoteInQuoted;
          break;
        case State.QuoteInQuoted:
          if (c === QUOTE) {
            this.quotedParts.push('"');
            fieldStart = i + 1;
            state = State.Quoted;
          } else if (c === delimiter) {
            fields.push(this.quotedParts.join(''));
            state = State.FieldStart;
          } else if (isLineBreak) {
            fields.push(this.quotedParts.join(''));
            recordEnds = true;
          } else {
            recordError ??= `unexpected text after the closing quote of field ${fields.length + 1}`;
            fieldStart = i;
            state = State.AfterClosingQuote;
          }
          break;
        case State.AfterClosingQuote:
          if (c === delimiter) {
            fields.push(this.quotedParts.join('') + buffer.slice(fieldStart, i));
            state = State.FieldStart;
          } else if (isLineBreak) {
            fields.push(this.quotedParts.join('') + buffer.slice(fieldStart, i));
            recordEnds = true;
          }
          break;
      }

      if (recordEnds) {
        const record: CsvRecord = { line: recordLine, fields, raw: buffer.slice(recordStart, i) };
        if (recordError !== undefined) record.error = recordError;
        records.push(record);
        fields = [];
        recordError = undefined;
        state = State.FieldStart;
        recordStart = i + 1;
        recordLine = line;
        skipLineFeed = c === CR;
      }
    }

    // Keep only the unfinished record so memory stays bounded by the longest record, not the input.
    this.buffer = buffer.slice(recordStart);
    this.scanFrom = this.buffer.length;
    this.fieldStart = fieldStart - recordStart;
    this.recordStart = 0;
    this.state = state;
    this.fields = fields;
    this.recordLine = recordLine;
    this.recordError = recordError;
    this.line = line;
    this.previousWasCR = previousWasCR;
    this.skipLineFeed = skipLineFeed;
    return records;
  }

  private takeRecord(position: number): CsvRecord {
    const record: CsvRecord = {
      line: this.recordLine,
      fields: this.fields,
      raw: this.buffer.slice(this.recordStart, position),
    };
    if (this.recordError !== undefined) record.error = this.recordError;
    this.fields = [];
    this.recordError = undefined;
    this.state = State.FieldStart;
    return record;
  }
}

/** Parses a whole CSV text; the first record is the header. */
export function parseCsv(text: string, options: CsvOptions = {}): CsvDocument {
  const parser = new CsvParser(options);
  const all = parser.push(text);
  all.push(...parser.end());
  const [header, ...records] = all;
  return { header, records };
}
