import { MlopsError } from '../../errors.js';
import { recordText } from '../../io/record-scanner.js';
import type { RecordScanner, ScannedRecord } from '../../io/record-scanner.js';
import { BadFileError } from './bad-file.js';
import type { QuarantineBuffer, RowBuffer } from './rows.js';
import type { IngestSchema } from './schema.js';

/**
 * How a byte-stream format (CSV, JSON Lines) turns a file into rows: `write` each chunk, then
 * `drain` until it returns true (input exhausted) — false means the RowBuffer is full and must be
 * flushed as a part before draining on. After the last chunk: `end`, drain again, then `finish`.
 * A file that cannot be parsed at all throws BadFileError from `drain` or `finish`.
 */
export interface RowDecoder {
  write(chunk: Uint8Array): void;
  end(): void;
  drain(): boolean;
  finish(): void;
}

/**
 * What the CSV and JSON Lines decoders share: a format brings its `scanner` (where its records end)
 * and `decodeRecord` (one record into one row, committed or quarantined); feeding the scanner,
 * pausing when the RowBuffer is full, and making the whole file bad when a record never ends are here.
 */
export abstract class ScannedRowDecoder<View extends ScannedRecord> implements RowDecoder {
  /** The format's scanner over this file (its `source` is `file`). */
  protected abstract readonly scanner: RecordScanner<View>;
  private readonly onRecord: (record: View) => boolean;

  constructor(
    protected readonly schema: IngestSchema,
    protected readonly onExtraColumns: 'rescue' | 'fail',
    protected readonly rows: RowBuffer,
    protected readonly quarantine: QuarantineBuffer,
    protected readonly file: string,
  ) {
    this.onRecord = (record) => {
      this.decodeRecord(record);
      return !rows.full;
    };
  }

  write(chunk: Uint8Array): void {
    this.scanner.write(chunk);
  }

  end(): void {
    this.scanner.end();
  }

  drain(): boolean {
    try {
      return this.scanner.drain(this.onRecord);
    } catch (error) {
      // A record longer than the scanner's limit: the rest of the file cannot be split into records.
      if (error instanceof MlopsError && error.code === 'CORRUPT' && !(error instanceof BadFileError)) {
        throw new BadFileError('CORRUPT', this.file, error.message.replace(`${this.file}: `, ''));
      }
      throw error;
    }
  }

  /** Called after end() and the last drain: whether a file without any record is valid is the format's call. */
  abstract finish(): void;

  /** Commits the record as a row or quarantines it; may throw BadFileError when the record makes the whole file bad. */
  protected abstract decodeRecord(record: View): void;

  /** Sets the record aside with its raw text, its line number and why. */
  protected quarantineRecord(record: View, reason: string): void {
    this.quarantine.add(recordText(record), record.line, reason);
  }
}
