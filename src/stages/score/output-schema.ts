import type { InputColumn } from '../../model/encoding.js';
import { DataType, Dictionary, Field, Float64, Int32, makeData, RecordBatch, Schema, Struct, TimestampMillisecond, Utf8, type Data } from 'apache-arrow';

/** The column naming why a row was not scored; present only with on_invalid = null. */
export const INVALID_REASON_COLUMN = 'invalid_reason';

export interface PredictionSchemaOptions {
  /** Adds the invalid_reason column (on_invalid = null). */
  withInvalidReason?: boolean;
}

/**
 * The fixed schema of batch predictions, in this order:
 * - the model's features, as DOUBLE, copied from the input (null where the input was null);
 * - `prediction`: the most probable label (null when the row could not be scored);
 * - `probability_<label>` per label, DOUBLE (null when the row could not be scored);
 * - `invalid_reason`, only with on_invalid = null: why the row was not scored, else null;
 * - `model_name`, `model_version`: the registered model version that scored the row;
 * - `scored_at`: when the job started, TIMESTAMP (UTC, milliseconds), the same on every row of a run.
 */
export function predictionSchema(features: readonly (string | InputColumn)[], labels: readonly string[], options: PredictionSchemaOptions = {}): Schema {
  return new Schema([
    // A categorical input is copied as the STRING it was; every other feature as DOUBLE.
    ...features.map((feature) =>
      typeof feature === 'string' || feature.kind === 'numeric' ? new Field(typeof feature === 'string' ? feature : feature.name, new Float64(), true) : new Field(feature.name, new Utf8(), true),
    ),
    new Field('prediction', new Utf8(), true),
    ...labels.map((label) => new Field(probabilityColumn(label), new Float64(), true)),
    ...(options.withInvalidReason ? [new Field(INVALID_REASON_COLUMN, new Utf8(), true)] : []),
    new Field('model_name', new Utf8(), false),
    new Field('model_version', new Utf8(), false),
    new Field('scored_at', new TimestampMillisecond('UTC'), false),
  ]);
}

export function probabilityColumn(label: string): string {
  return `probability_${label}`;
}

/**
 * The same columns as the scorer builds them: strings dictionary-encoded (a label index per row
 * instead of a string per row), which is how they are written to Parquet too. Each dictionary
 * field gets its own id, as Arrow IPC requires.
 */
export function dictionaryEncodedSchema(schema: Schema): Schema {
  let nextId = 0;
  return new Schema(
    schema.fields.map((field) => (DataType.isUtf8(field.type) ? new Field(field.name, new Dictionary(new Utf8(), new Int32(), nextId++), field.nullable) : field)),
    schema.metadata,
  );
}

/**
 * A scored batch with its dictionary-encoded strings expanded to plain Utf8 — for stores that
 * want the documented schema (TableStore). Numbers are shared, not copied.
 */
export function withPlainStrings(batch: RecordBatch, schema: Schema): RecordBatch {
  const children = batch.data.children.map((child, index) => {
    const field = schema.fields[index]!;
    if (!DataType.isDictionary(child.type)) return child;
    return expandDictionary(child, field.type as Utf8);
  });
  const struct = makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children });
  return new RecordBatch(schema, struct);
}

function expandDictionary(data: Data, type: Utf8): Data<Utf8> {
  const dictionary = data.dictionary!.data[0]!;
  const dictionaryOffsets = dictionary.valueOffsets as Int32Array;
  const dictionaryBytes = dictionary.values as Uint8Array;
  const indices = data.values as Int32Array;
  const rows = data.length;
  const isValid = (row: number) => data.nullCount === 0 || data.nullBitmap === undefined || ((data.nullBitmap[(data.offset + row) >> 3]! >> ((data.offset + row) & 7)) & 1) === 1;
  const offsets = new Int32Array(rows + 1);
  let size = 0;
  for (let row = 0; row < rows; row++) {
    if (isValid(row)) {
      const entry = indices[row]!;
      size += dictionaryOffsets[entry + 1]! - dictionaryOffsets[entry]!;
    }
    offsets[row + 1] = size;
  }
  const bytes = new Uint8Array(size);
  for (let row = 0; row < rows; row++) {
    if (!isValid(row)) continue;
    const entry = indices[row]!;
    bytes.set(dictionaryBytes.subarray(dictionaryOffsets[entry]!, dictionaryOffsets[entry + 1]!), offsets[row]!);
  }
  let nullBitmap: Uint8Array | undefined;
  if (data.nullCount > 0 && data.nullBitmap !== undefined) {
    nullBitmap = new Uint8Array(Math.ceil(rows / 8));
    for (let row = 0; row < rows; row++) if (isValid(row)) nullBitmap[row >> 3]! |= 1 << (row & 7);
  }
  return makeData({ type, length: rows, nullCount: nullBitmap ? data.nullCount : 0, valueOffsets: offsets, data: bytes, ...(nullBitmap ? { nullBitmap } : {}) });
}
