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
