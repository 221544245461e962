import { Buffer } from 'node:buffer';
import { MlopsError } from '../errors.js';

/**
 * What every scanned record is, whatever its format: offsets into the scanner's buffer, valid only
 * inside the `drain` callback that receives it (scanners reuse one view object for every record).
 */
export interface ScannedRecord {
  /** The bytes the offsets point into. */
  readonly bytes: Buffer;
  /** The record's raw bytes, without its line ending: bytes[start, end). */
  readonly start: number;
  readonly end: number;
  /** 1-based line on which the record starts. */
  readonly line: number;
}

/** The record as it appeared in the input, without its line ending (invalid UTF-8 replaced): what quarantine keeps. */
export function recordText(record: ScannedRecord): string {
  return record.bytes.toString('utf8', record.start, record.end);
}

/** What `scanNext` found at the current position. */
export const RECORD = 0;
/** Input that holds no record (a blank line): consumed, nothing to hand over. */
export const SKIPPED = 1;
/** The record at the current position does not end in the bytes buffered so far. */
export const INCOMPLETE = 2;

export interface RecordScannerLimits {
  /** A record whose end is not found within this many bytes fails the scan with CORRUPT. */
  maxRecordBytes: number;
  /** Names the input in error messages (a file path or URL). */
  source: string;
}

/**
 * The streaming half that the CSV and JSON Lines scanners share: `write` chunks, call `end` after the
 * last one, and take records with `drain`, which stops early when its callback returns false so a
 * caller can flush output between records. A leading UTF-8 BOM is dropped; a record may span chunks
 * (the unfinished tail is kept and joined to the next chunk); the last record may end without a line
 * break. A subclass says only where its records end: `scanNext` scans from `position`, fills `view`
 * and moves `position` and `line` past what it consumed.
 */
export abstract class RecordScanner<View extends ScannedRecord> {
  protected buffer: Buffer = Buffer.alloc(0);
  protected position = 0;
  /** The 1-based line at `position`. */
  protected line = 1;
  protected ended = false;
  private bomChecked = false;
  private readonly maxRecordBytes: number;
  private readonly source: string;
  /** The one object every record is handed over in. */
  protected abstract readonly view: View;

  protected constructor(limits: RecordScannerLimits) {
    this.maxRecordBytes = limits.maxRecordBytes;
    this.source = limits.source;
  }

  /** Bytes buffered but not yet returned as records (an unfinished record). */
  get pendingBytes(): number {
    return this.buffer.length - this.position;
  }

  write(chunk: Uint8Array): void {
    if (this.ended) throw new MlopsError('INTERNAL', `${this.constructor.name}.write called after end()`);
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.position >= this.buffer.length) this.buffer = bytes;
    else this.buffer = Buffer.concat([this.buffer.subarray(this.position), bytes]);
    this.position = 0;
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
  drain(onRecord: (record: View) => boolean | void): boolean {
    if (!this.bomChecked && !this.skipBom()) return true;
    const view = this.view;
    for (;;) {
      const next = this.scanNext();
      if (next === INCOMPLETE) {
        this.checkPendingLength();
        return true;
      }
      if (next === RECORD && onRecord(view) === false) return false;
    }
  }

  /** RECORD (the view holds it), SKIPPED or INCOMPLETE; see the constants. */
  protected abstract scanNext(): number;

  /** Why a record whose end was not found within `maxRecordBytes` fails the scan, without the source. */
  protected abstract tooLongReason(line: number, maxRecordBytes: number): string;

  private skipBom(): boolean {
    const buffer = this.buffer;
    if (buffer.length - this.position < 3 && !this.ended) return false;
    if (buffer[this.position] === 0xef && buffer[this.position + 1] === 0xbb && buffer[this.position + 2] === 0xbf) this.position += 3;
    this.bomChecked = true;
    return true;
  }

  /**
   * Only the unfinished record counts against the limit — a chunk may be longer than it — so this
   * runs once every complete record has been taken. Past it, the record is almost always one that
   * never ends, and buffering the rest of the input to find out would defeat streaming.
   */
  private checkPendingLength(): void {
    if (this.buffer.length - this.position > this.maxRecordBytes) {
      throw new MlopsError('CORRUPT', `${this.source}: ${this.tooLongReason(this.line, this.maxRecordBytes)}`, {
        details: { source: this.source, line: this.line },
      });
    }
  }
}
