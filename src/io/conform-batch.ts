import * as arrow from 'apache-arrow';

/**
 * Whether two Arrow types hold the same values once written: a dictionary-encoded column and a plain
 * one of its value type are the same Parquet column (strings are BYTE_ARRAY UTF8 either way), and two
 * dictionaries differ only in their id when built separately (each tableFromArrays call numbers its own).
 */
export function sameLogicalType(a: arrow.DataType, b: arrow.DataType): boolean {
  return arrow.util.compareTypes(valueType(a), valueType(b));
}

/**
 * The batch's rows under `schema`, whose columns have the same names and logical types (see
 * sameLogicalType) but may differ in dictionary encoding and nullability. Columns already in the
 * schema's encoding are shared, not copied; the others are re-encoded.
 */
export function conformBatch(batch: arrow.RecordBatch, schema: arrow.Schema): arrow.RecordBatch {
  if (batch.schema === schema) return batch;
  const children = schema.fields.map((field, index) => {
    const data = batch.data.children[index];
    if (data === undefined) throw new RangeError(`The batch has no column ${index} (${field.name}) to conform`);
    return conformColumn(data, field.type);
  });
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.numRows, nullCount: 0, children });
  return new arrow.RecordBatch(schema, struct);
}

/** `schema` with every column nullable that is nullable in `other` (the same columns, in order). */
export function widenNullability(schema: arrow.Schema, other: arrow.Schema): arrow.Schema {
  const needsWidening = schema.fields.some((field, index) => !field.nullable && other.fields[index]?.nullable === true);
  if (!needsWidening) return schema;
  const fields = schema.fields.map((field, index) => (!field.nullable && other.fields[index]?.nullable === true ? field.clone({ nullable: true }) : field));
  return new arrow.Schema(fields, schema.metadata);
}

function conformColumn(data: arrow.Data, type: arrow.DataType): arrow.Data {
  if (data.type === type) return data;
  if (arrow.util.compareTypes(data.type, type)) return data;
  // Same indices and values: only the dictionary id differs, so the buffers can be kept as they are.
  if (sameDictionaryLayout(data.type, type)) return data.clone(type);
  // Iterating a dictionary vector yields its decoded values; the builder for `type` encodes them again.
  const values = [...new arrow.Vector([data])] as unknown[];
  return arrow.vectorFromArray(values, type).data[0]!;
}

function sameDictionaryLayout(a: arrow.DataType, b: arrow.DataType): boolean {
  if (!arrow.DataType.isDictionary(a) || !arrow.DataType.isDictionary(b)) return false;
  const left: arrow.Dictionary = a;
  const right: arrow.Dictionary = b;
  return arrow.util.compareTypes(left.indices, right.indices) && arrow.util.compareTypes(left.dictionary, right.dictionary);
}

function valueType(type: arrow.DataType): arrow.DataType {
  return arrow.DataType.isDictionary(type) ? type.dictionary : type;
}
