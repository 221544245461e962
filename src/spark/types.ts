import type { DataType } from './gen/spark/connect/types_pb.js';

/** A column of a DataFrame's schema; `dataType` is Spark's simple string: 'bigint', 'array<string>'. */
export interface StructField {
  name: string;
  dataType: string;
  nullable: boolean;
}

/** A DataFrame's schema, as PySpark's StructType, with types as Spark SQL text. */
export interface StructType {
  fields: StructField[];
  /** 'struct<id:bigint,name:string>' */
  simpleString: string;
  /** Column names in order. */
  names: string[];
}

/** Spark's simple string of a Spark Connect data type. */
export function simpleString(type: DataType | undefined): string {
  const kind = type?.kind;
  switch (kind?.case) {
    case undefined:
      return 'unknown';
    case 'null':
      return 'void';
    case 'byte':
      return 'tinyint';
    case 'short':
      return 'smallint';
    case 'integer':
      return 'int';
    case 'long':
      return 'bigint';
    case 'decimal':
      return `decimal(${kind.value.precision ?? 10},${kind.value.scale ?? 0})`;
    case 'char':
      return `char(${kind.value.length})`;
    case 'varChar':
      return `varchar(${kind.value.length})`;
    case 'timestampNtz':
      return 'timestamp_ntz';
    case 'calendarInterval':
      return 'interval';
    case 'yearMonthInterval':
      return 'interval year to month';
    case 'dayTimeInterval':
      return 'interval day to second';
    case 'array':
      return `array<${simpleString(kind.value.elementType)}>`;
    case 'map':
      return `map<${simpleString(kind.value.keyType)},${simpleString(kind.value.valueType)}>`;
    case 'struct':
      return `struct<${kind.value.fields.map((field) => `${field.name}:${simpleString(field.dataType)}`).join(',')}>`;
    case 'udt':
      return kind.value.sqlType ? simpleString(kind.value.sqlType) : kind.value.type;
    case 'unparsed':
      return kind.value.dataTypeString;
    default:
      return kind?.case ?? 'unknown';
  }
}

/** The StructType of a schema the server sent (a struct data type). */
export function toStructType(type: DataType | undefined): StructType {
  const fields: StructField[] =
    type?.kind.case === 'struct'
      ? type.kind.value.fields.map((field) => ({ name: field.name, dataType: simpleString(field.dataType), nullable: field.nullable }))
      : [{ name: 'value', dataType: simpleString(type), nullable: true }];
  return { fields, names: fields.map((field) => field.name), simpleString: `struct<${fields.map((f) => `${f.name}:${f.dataType}`).join(',')}>` };
}
