import { jsonLineText, JsonLinesScanner, parseJsonLine } from '../../io/jsonl.js';
import type { JsonLineView } from '../../io/jsonl.js';
import { MlopsError } from '../../errors.js';
import { BadFileError } from './bad-file.js';
import { coerceJson } from './coerce.js';
import type { RowDecoder } from './decoder.js';
import type { QuarantineBuffer, RowBuffer } from './rows.js';
import type { IngestSchema } from './schema.js';

/**
 * JSON Lines → rows: one JSON object per line, its keys matched to the schema by name. A line that
 * is not a JSON object, or whose values do not coerce, is quarantined with its text and line number;
 * keys outside the schema go to _rescued_data (or quarantine the row with on_extra_columns=fail).
 */
export class JsonLinesRowDecoder implements RowDecoder {
  private readonly scanner: JsonLinesScanner;
  private readonly names: Set<string>;
  private readonly onLine: (line: JsonLineView) => boolean;

  constructor(
    private readonly schema: IngestSchema,
    private readonly onExtraColumns: 'rescue' | 'fail',
    private readonly rows: RowBuffer,
    private readonly quarantine: QuarantineBuffer,
    private readonly file: string,
  ) {
    this.scanner = new JsonLinesScanner({ source: file });
    this.names = new Set(schema.columns.map((column) => column.name));
    this.onLine = (line) => {
      this.decodeLine(line);
      return !this.rows.full;
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
      return this.scanner.drain(this.onLine);
    } catch (error) {
      if (error instanceof MlopsError && error.code === 'CORRUPT') throw new BadFileError('CORRUPT', this.file, error.message.replace(`${this.file}: `, ''));
      throw error;
    }
  }

  finish(): void {
    // An empty JSON Lines file is a valid file with no rows.
  }

  private decodeLine(line: JsonLineView): void {
    const parsed = parseJsonLine(line);
    if (!parsed.ok) {
      this.quarantine.add(jsonLineText(line), line.line, parsed.reason);
      return;
    }
    const value = parsed.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.quarantine.add(jsonLineText(line), line.line, `expected a JSON object, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
      return;
    }
    const object = value as Record<string, unknown>;
    const reasons: string[] = [];
    this.schema.columns.forEach((column, k) => {
      const present = Object.hasOwn(object, column.name);
      const coerced = coerceJson(column, present ? object[column.name] : undefined, present);
      if (coerced.ok) this.rows.set(k, coerced.value);
      else reasons.push(coerced.reason);
    });
    const extras = Object.keys(object).filter((key) => !this.names.has(key));
    if (extras.length > 0 && this.onExtraColumns === 'fail') reasons.push(`unexpected field${extras.length > 1 ? 's' : ''} ${extras.join(', ')} (on_extra_columns is fail)`);
    if (reasons.length > 0) {
      this.quarantine.add(jsonLineText(line), line.line, reasons.join('; '));
      return;
    }
    if (extras.length > 0) this.rows.setRescued(JSON.stringify(Object.fromEntries(extras.map((key) => [key, object[key]]))));
    this.rows.commit();
  }
}
