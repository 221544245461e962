import { Buffer } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { MlopsError } from '../errors.js';

/** One line of a JSON Lines input: valid only inside the `drain` callback that receives it. */
export interface JsonLineView {
  readonly bytes: Buffer;
  /** The line is bytes[start, end), without its line ending. */
  readonly start: number;
  readonly end: number;
  /** 1-based line number. */
  readonly line: number;
}

export interface JsonLinesScannerOptions {
  /** A longer line fails the scan with CORRUPT rather than buffering the rest of the file. Default 16 MiB. */
  maxLineBytes?: number;
  /** Names the input in error messages. */
  source?: string;
}

const LF = 0x0a;
const CR = 0x0d;
const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Streams the lines of a JSON Lines (NDJSON) input: lines end with LF (a CR before it is dropped),
 * lines holding only whitespace are skipped, a leading BOM is ignored. Same protocol as CsvScanner:
 * `write` chunks, `end`, and `drain` lines until the callback returns false.
 */
export class JsonLinesScanner {
  private readonly maxLineBytes: number;
  private readonly source: string;
  private buffer: Buffer = Buffer.alloc(0);
  private position = 0;
  private line = 1;
  private ended = false;
  private bomChecked = false;
  private readonly view = { bytes: this.buffer, start: 0, end: 0, line: 1 };

  constructor(options: JsonLinesScannerOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.source = options.source ?? 'JSON Lines input';
  }

  write(chunk: Uint8Array): void {
    if (this.ended) throw new MlopsError('INTERNAL', 'JsonLinesScanner.write called after end()');
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.position >= this.buffer.length) this.buffer = bytes;
    else this.buffer = Buffer.concat([this.buffer.subarray(this.position), bytes]);
    this.position = 0;
  }

  end(): void {
    this.ended = true;
  }

  /** Like CsvScanner.drain: false when the callback paused it, true when it needs more input. */
  drain(onLine: (line: JsonLineView) => boolean | void): boolean {
    const bytes = this.buffer;
    if (!this.bomChecked) {
      if (bytes.length - this.position < 3 && !this.ended) return true;
      if (bytes[this.position] === 0xef && bytes[this.position + 1] === 0xbb && bytes[this.position + 2] === 0xbf) this.position += 3;
      this.bomChecked = true;
    }
    const view = this.view;
    view.bytes = bytes;
    for (;;) {
      const start = this.position;
      if (start >= bytes.length) return true;
      let lineFeed = bytes.indexOf(LF, start);
      if (lineFeed === -1) {
        if (!this.ended) {
          if (bytes.length - start > this.maxLineBytes) {
            throw new MlopsError('CORRUPT', `${this.source}: line ${this.line} is longer than ${this.maxLineBytes} bytes`, {
              details: { source: this.source, line: this.line },
            });
          }
          return true;
        }
        lineFeed = bytes.length;
      }
      let end = lineFeed;
      if (end > start && bytes[end - 1] === CR) end--;
      this.position = lineFeed + 1;
      const line = this.line++;
      if (isBlank(bytes, start, end)) continue;
      view.start = start;
      view.end = end;
      view.line = line;
      if (onLine(view) === false) return false;
    }
  }
}

function isBlank(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false;
  }
  return true;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A line parsed as JSON, or why it cannot be. */
export function parseJsonLine(line: JsonLineView): { ok: true; value: unknown } | { ok: false; reason: string } {
  let text: string;
  try {
    text = strictUtf8.decode(line.bytes.subarray(line.start, line.end));
  } catch {
    return { ok: false, reason: 'the line is not valid UTF-8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, reason: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The line as text (invalid UTF-8 replaced), for quarantine records. */
export function jsonLineText(line: JsonLineView): string {
  return line.bytes.toString('utf8', line.start, line.end);
}
