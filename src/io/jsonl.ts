import { TextDecoder } from 'node:util';
import { INCOMPLETE, RECORD, RecordScanner, SKIPPED } from './record-scanner.js';
import type { ScannedRecord } from './record-scanner.js';

/** One line of a JSON Lines input, without its line ending: valid only inside the `drain` callback that receives it. */
export type JsonLineView = ScannedRecord;

/** The line as text (invalid UTF-8 replaced), for quarantine records. */
export { recordText as jsonLineText } from './record-scanner.js';

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
 * Streams the lines of a JSON Lines (NDJSON) input, with RecordScanner's protocol (`write`, `end`,
 * `drain`): lines end with LF (a CR before it is dropped; a lone CR does not end a line), and lines
 * holding only whitespace are skipped.
 */
export class JsonLinesScanner extends RecordScanner<JsonLineView> {
  protected override readonly view = { bytes: this.buffer, start: 0, end: 0, line: 1 };

  constructor(options: JsonLinesScannerOptions = {}) {
    super({ maxRecordBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, source: options.source ?? 'JSON Lines input' });
  }

  protected override tooLongReason(line: number, maxLineBytes: number): string {
    return `line ${line} is longer than ${maxLineBytes} bytes`;
  }

  protected override scanNext(): number {
    const bytes = this.buffer;
    const start = this.position;
    if (start >= bytes.length) return INCOMPLETE;
    let end = bytes.indexOf(LF, start);
    if (end === -1) {
      if (!this.ended) return INCOMPLETE;
      end = bytes.length;
      this.position = end;
    } else {
      this.position = end + 1;
    }
    if (end > start && bytes[end - 1] === CR) end--;
    const line = this.line++;
    if (isBlank(bytes, start, end)) return SKIPPED;
    const view = this.view;
    view.bytes = bytes;
    view.start = start;
    view.end = end;
    view.line = line;
    return RECORD;
  }
}

function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
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
