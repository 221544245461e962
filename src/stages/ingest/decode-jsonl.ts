import { JsonLinesScanner, parseJsonLine } from '../../io/jsonl.js';
import type { JsonLineView } from '../../io/jsonl.js';
import { coerceJson } from './coerce.js';
import { ScannedRowDecoder } from './decoder.js';

/**
 * JSON Lines → rows: one JSON object per line, its keys matched to the schema by name. A line that
 * is not a JSON object, or whose values do not coerce, is quarantined with its text and line number;
 * keys outside the schema go to _rescued_data (or quarantine the row with on_extra_columns=fail).
 */
export class JsonLinesRowDecoder extends ScannedRowDecoder<JsonLineView> {
  protected override readonly scanner = new JsonLinesScanner({ source: this.file });
  private readonly names = new Set(this.schema.columns.map((column) => column.name));

  override finish(): void {
    // An empty JSON Lines file is a valid file with no rows.
  }

  protected override decodeRecord(line: JsonLineView): void {
    const parsed = parseJsonLine(line);
    if (!parsed.ok) {
      this.quarantineRecord(line, parsed.reason);
      return;
    }
    const value = parsed.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.quarantineRecord(line, `expected a JSON object, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
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
      this.quarantineRecord(line, reasons.join('; '));
      return;
    }
    if (extras.length > 0) this.rows.setRescued(JSON.stringify(Object.fromEntries(extras.map((key) => [key, object[key]]))));
    this.rows.commit();
  }
}
