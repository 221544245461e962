import * as arrow from 'apache-arrow';
import { utf8Vector } from '../../io/utf8-vector.js';
import { DICTIONARY_STRING, ingestedArrowSchema, INGESTED_AT_TYPE, QUARANTINE_ARROW_SCHEMA } from './output.js';
import type { IngestSchema } from './schema.js';

type Store =
  | { kind: 'double'; data: Float64Array }
  | { kind: 'bigint'; data: BigInt64Array }
  | { kind: 'int'; data: Int32Array }
  /** Dictionary indices: into the IN (…) list, or into strings interned per part. */
  | { kind: 'string'; data: Int32Array; values: string[]; lookup: Map<string, number>; fixed: boolean };

/** A part is cut early when a string column has this many distinct values, to bound the dictionaries' memory. */
const MAX_DICTIONARY_VALUES = 200_000;
const INITIAL_CAPACITY = 16_384;

/**
 * The good rows of one output part, column by column in typed arrays. Decoders write a row's values
 * at index `rows` and call `commit`; a row that fails half-way is simply not committed (its values are
 * overwritten by the next row), so quarantining costs nothing here.
 */
export class RowBuffer {
  readonly schema: IngestSchema;
  readonly arrowSchema: arrow.Schema;
  /** Rows per part; `full` turns true at this count. */
  readonly limit: number;
  rows = 0;
  /**
   * Direct access for decoders' fast paths: a DOUBLE column's Float64Array, an INT or STRING column's
   * Int32Array (dictionary indices for STRING), undefined otherwise. Write at index `rows`; the arrays
   * are replaced when the buffer grows (only in `commit`).
   */
  readonly float64: (Float64Array | undefined)[];
  readonly int32: (Int32Array | undefined)[];
  private capacity = 0;
  private readonly stores: Store[];
  /** Validity bitmaps of the nullable columns (undefined for NOT NULL ones). */
  private readonly validity: (Uint8Array | undefined)[];
  private rescued = new Map<number, string>();
  private dictionaryFull = false;

  /** `expectedRows` sizes the first allocation (e.g. from the file size) so a big part is not regrown many times. */
  constructor(schema: IngestSchema, limit: number, expectedRows = 0) {
    this.schema = schema;
    this.arrowSchema = ingestedArrowSchema(schema);
    this.limit = limit;
    this.stores = schema.columns.map((column): Store => {
      switch (column.type) {
        case 'double':
          return { kind: 'double', data: new Float64Array(0) };
        case 'bigint':
          return { kind: 'bigint', data: new BigInt64Array(0) };
        case 'int':
          return { kind: 'int', data: new Int32Array(0) };
        case 'string': {
          const values = column.allowed === undefined ? [] : [...column.allowed];
          return { kind: 'string', data: new Int32Array(0), values, lookup: new Map(values.map((value, index) => [value, index])), fixed: column.allowed !== undefined };
        }
      }
    });
    this.validity = schema.columns.map((column) => (column.nullable ? new Uint8Array(0) : undefined));
    this.float64 = schema.columns.map(() => undefined);
    this.int32 = schema.columns.map(() => undefined);
    this.grow(expectedRows);
  }

  get full(): boolean {
    return this.rows >= this.limit || this.dictionaryFull;
  }

  /** Room for rows before the part is full. */
  get room(): number {
    return this.dictionaryFull ? 0 : this.limit - this.rows;
  }

  setDouble(column: number, value: number): void {
    (this.stores[column] as { data: Float64Array }).data[this.rows] = value;
    this.markValid(column);
  }

  setBigint(column: number, value: bigint): void {
    (this.stores[column] as { data: BigInt64Array }).data[this.rows] = value;
    this.markValid(column);
  }

  setInt(column: number, value: number): void {
    (this.stores[column] as { data: Int32Array }).data[this.rows] = value;
    this.markValid(column);
  }

  /** For a column with an IN (…) list: the index of an allowed value. */
  setAllowedIndex(column: number, index: number): void {
    (this.stores[column] as { data: Int32Array }).data[this.rows] = index;
    this.markValid(column);
  }

  setString(column: number, value: string): void {
    const store = this.stores[column] as Extract<Store, { kind: 'string' }>;
    let index = store.lookup.get(value);
    if (index === undefined) {
      index = store.values.length;
      store.values.push(value);
      store.lookup.set(value, index);
      if (store.values.length >= MAX_DICTIONARY_VALUES) this.dictionaryFull = true;
    }
    store.data[this.rows] = index;
    this.markValid(column);
  }

  /** Sets any coerced value (the general path; the CSV fast path calls the typed setters). */
  set(column: number, value: number | bigint | string | null): void {
    if (value === null) {
      this.setNull(column);
      return;
    }
    const store = this.stores[column]!;
    if (store.kind === 'string') this.setString(column, value as string);
    else if (store.kind === 'bigint') this.setBigint(column, value as bigint);
    else if (store.kind === 'int') this.setInt(column, value as number);
    else this.setDouble(column, value as number);
  }

  setNull(column: number): void {
    const bitmap = this.validity[column];
    if (bitmap === undefined) throw new RangeError(`Column ${this.schema.columns[column]?.name} is NOT NULL`);
    bitmap[this.rows >> 3]! &= ~(1 << (this.rows & 7));
  }

  /** Extra columns of the current row, as a JSON object text. */
  setRescued(json: string): void {
    this.rescued.set(this.rows, json);
  }

  commit(): void {
    this.rows++;
    if (this.rows === this.capacity && this.rows < this.limit) this.grow();
  }

  /** Undoes what was set for the current, uncommitted row. */
  discardRow(): void {
    this.rescued.delete(this.rows);
  }

  /** Empties the buffer for the next part (interned strings start over, so each part's dictionary is its own). */
  clear(): void {
    this.rows = 0;
    this.rescued = new Map();
    this.dictionaryFull = false;
    this.stores.forEach((store, index) => {
      if (store.kind === 'string' && !store.fixed) {
        store.values = [];
        store.lookup = new Map();
      }
      const bitmap = this.validity[index];
      if (bitmap !== undefined) bitmap.fill(0);
    });
  }

  /** The committed rows as one record batch; the typed arrays are shared, not copied. */
  toRecordBatch(sourceFile: string, ingestedAt: number): arrow.RecordBatch {
    return this.slice(sourceFile, ingestedAt, 0, this.rows);
  }

  /**
   * The committed rows as batches of at most `rowsPerBatch` rows (a multiple of 8), each with its own
   * zero-offset buffers (views, not copies), so every consumer reads them the same way.
   */
  toRecordBatches(sourceFile: string, ingestedAt: number, rowsPerBatch: number): arrow.RecordBatch[] {
    if (rowsPerBatch % 8 !== 0) throw new RangeError(`rowsPerBatch must be a multiple of 8; found ${rowsPerBatch}`);
    const batches: arrow.RecordBatch[] = [];
    for (let start = 0; start < this.rows || (start === 0 && this.rows === 0); start += rowsPerBatch) {
      batches.push(this.slice(sourceFile, ingestedAt, start, Math.min(this.rows, start + rowsPerBatch)));
      if (this.rows === 0) break;
    }
    return batches;
  }

  private slice(sourceFile: string, ingestedAt: number, start: number, end: number): arrow.RecordBatch {
    const rows = end - start;
    const children: arrow.Data[] = this.stores.map((store, index): arrow.Data => {
      const field = this.arrowSchema.fields[index]!;
      const bitmap = this.validity[index]?.subarray(start >> 3, (end + 7) >> 3);
      const nulls = bitmap === undefined ? 0 : rows - countValid(bitmap, rows);
      const nullable = nulls > 0 ? { nullCount: nulls, nullBitmap: bitmap! } : { nullCount: 0 };
      const data = store.data.subarray(start, end);
      if (store.kind === 'string') {
        return arrow.makeData({ type: field.type as arrow.Dictionary, length: rows, ...nullable, data: data as Int32Array, dictionary: utf8Vector(store.values) });
      }
      return arrow.makeData({ type: field.type, length: rows, ...nullable, data } as unknown as Parameters<typeof arrow.makeData>[0]);
    });
    const rescued = new Map<number, string>();
    for (const [row, value] of this.rescued) if (row >= start && row < end) rescued.set(row - start, value);
    children.push(nullableUtf8(rows, rescued));
    children.push(constantString(rows, sourceFile));
    children.push(constantTimestamp(rows, ingestedAt));
    return new arrow.RecordBatch(this.arrowSchema, arrow.makeData({ type: new arrow.Struct(this.arrowSchema.fields), length: rows, nullCount: 0, children }));
  }

  /** For a nullable column written through `float64`/`int32`: marks the current row's value present. */
  markValid(column: number): void {
    const bitmap = this.validity[column];
    if (bitmap !== undefined) bitmap[this.rows >> 3]! |= 1 << (this.rows & 7);
  }

  private grow(atLeast = 0): void {
    const capacity = Math.min(this.limit + 1, Math.max(INITIAL_CAPACITY, this.capacity * 2, atLeast + 1));
    this.stores.forEach((store, index) => {
      const grown =
        store.kind === 'double' ? new Float64Array(capacity) : store.kind === 'bigint' ? new BigInt64Array(capacity) : new Int32Array(capacity);
      (grown as Float64Array).set(store.data as Float64Array);
      (store as { data: typeof grown }).data = grown;
      if (grown instanceof Float64Array) this.float64[index] = grown;
      else if (grown instanceof Int32Array) this.int32[index] = grown;
    });
    this.validity.forEach((bitmap, index) => {
      if (bitmap === undefined) return;
      const grown = new Uint8Array(Math.ceil(capacity / 8) + 1);
      grown.set(bitmap);
      this.validity[index] = grown;
    });
    this.capacity = capacity;
  }
}

/** Rows set aside: the raw record, where it was, and why. */
export class QuarantineBuffer {
  rows = 0;
  private raw: (string | null)[] = [];
  private rowNumbers: (number | null)[] = [];
  private reasons: string[] = [];

  add(raw: string | null, rowNumber: number | null, reason: string): void {
    this.raw.push(raw);
    this.rowNumbers.push(rowNumber);
    this.reasons.push(reason);
    this.rows++;
  }

  clear(): void {
    this.rows = 0;
    this.raw = [];
    this.rowNumbers = [];
    this.reasons = [];
  }

  toRecordBatch(sourceFile: string, ingestedAt: number): arrow.RecordBatch {
    const rows = this.rows;
    const fields = QUARANTINE_ARROW_SCHEMA.fields;
    const rowNumbers = arrow.vectorFromArray(this.rowNumbers.map((value) => (value === null ? null : BigInt(value))), new arrow.Int64()).data[0]!;
    const children: arrow.Data[] = [
      arrow.vectorFromArray(this.raw, new arrow.Utf8()).data[0]!,
      constantString(rows, sourceFile),
      rowNumbers,
      arrow.vectorFromArray(this.reasons, new arrow.Utf8()).data[0]!,
      constantTimestamp(rows, ingestedAt),
    ];
    return new arrow.RecordBatch(QUARANTINE_ARROW_SCHEMA, arrow.makeData({ type: new arrow.Struct(fields), length: rows, nullCount: 0, children }));
  }
}

let zeros = new Int32Array(0);
const timestamps = new Map<number, BigInt64Array>();

/** One value for every row: a one-entry dictionary whose indices are all 0 (shared, never written to). */
function constantString(rows: number, value: string): arrow.Data {
  if (zeros.length < rows) zeros = new Int32Array(Math.max(rows, zeros.length * 2));
  return arrow.makeData({ type: DICTIONARY_STRING(), length: rows, nullCount: 0, data: zeros.subarray(0, rows), dictionary: utf8Vector([value]) });
}

function constantTimestamp(rows: number, millis: number): arrow.Data {
  let filled = timestamps.get(millis);
  if (filled === undefined || filled.length < rows) {
    // One cached array per instant (a run has one): rebuilt only when a bigger part needs it.
    timestamps.clear();
    filled = new BigInt64Array(Math.max(rows, filled?.length ?? 0)).fill(BigInt(millis));
    timestamps.set(millis, filled);
  }
  return arrow.makeData({ type: INGESTED_AT_TYPE, length: rows, nullCount: 0, data: filled.subarray(0, rows) });
}

function nullableUtf8(rows: number, values: Map<number, string>): arrow.Data {
  if (values.size === 0) {
    return arrow.makeData({ type: new arrow.Utf8(), length: rows, nullCount: rows, nullBitmap: new Uint8Array(Math.ceil(rows / 8)), valueOffsets: new Int32Array(rows + 1), data: new Uint8Array(0) });
  }
  const dense: (string | null)[] = new Array<string | null>(rows).fill(null);
  for (const [row, value] of values) if (row < rows) dense[row] = value;
  return arrow.vectorFromArray(dense, new arrow.Utf8()).data[0]!;
}

function countValid(bitmap: Uint8Array, rows: number): number {
  let count = 0;
  const fullBytes = rows >> 3;
  for (let i = 0; i < fullBytes; i++) count += POPCOUNT[bitmap[i]!]!;
  for (let row = fullBytes * 8; row < rows; row++) count += (bitmap[row >> 3]! >> (row & 7)) & 1;
  return count;
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, byte) => {
  let bits = 0;
  for (let value = byte; value > 0; value >>= 1) bits += value & 1;
  return bits;
});
