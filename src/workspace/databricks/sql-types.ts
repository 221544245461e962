import * as arrow from 'apache-arrow';
import { MlopsError } from '../../errors.js';

/**
 * Databricks SQL types (type_name of the statement manifest and of UC table columns) as Arrow
 * types, matching what Databricks itself puts in ARROW_STREAM results: TIMESTAMP is microseconds
 * in UTC, DECIMAL is read as float64 (JSON results carry it as text).
 */
export function arrowTypeFromDatabricks(typeName: string, typeText = ''): arrow.DataType {
  switch (typeName.toUpperCase()) {
    case 'BOOLEAN':
      return new arrow.Bool();
    case 'BYTE':
    case 'TINYINT':
      return new arrow.Int8();
    case 'SHORT':
    case 'SMALLINT':
      return new arrow.Int16();
    case 'INT':
    case 'INTEGER':
      return new arrow.Int32();
    case 'LONG':
    case 'BIGINT':
      return new arrow.Int64();
    case 'FLOAT':
      return new arrow.Float32();
    case 'DOUBLE':
    case 'DECIMAL':
      return new arrow.Float64();
    case 'STRING':
    case 'CHAR':
    case 'VARCHAR':
      return new arrow.Utf8();
    case 'BINARY':
      return new arrow.Binary();
    case 'DATE':
      return new arrow.DateDay();
    case 'TIMESTAMP':
      return new arrow.TimestampMicrosecond('Etc/UTC');
    case 'TIMESTAMP_NTZ':
      return new arrow.TimestampMicrosecond();
    default:
      throw new MlopsError('SCHEMA_MISMATCH', `Column type ${typeText || typeName} has no Arrow mapping in this version (supported: boolean, integers, float, double, decimal, string, binary, date, timestamp)`, {
        details: { type: typeText || typeName },
      });
  }
}

/** The Databricks SQL type an Arrow column becomes once written as Parquet and read into Delta. */
export function sqlTypeOf(type: arrow.DataType): string {
  if (arrow.DataType.isDictionary(type)) return sqlTypeOf(type.dictionary);
  if (arrow.DataType.isBool(type)) return 'BOOLEAN';
  if (arrow.DataType.isInt(type)) {
    const bits = type.bitWidth;
    return bits === 8 ? 'TINYINT' : bits === 16 ? 'SMALLINT' : bits === 32 ? 'INT' : 'BIGINT';
  }
  if (arrow.DataType.isFloat(type)) return type.precision === arrow.Precision.DOUBLE ? 'DOUBLE' : 'FLOAT';
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) return 'STRING';
  if (arrow.DataType.isBinary(type) || arrow.DataType.isLargeBinary(type)) return 'BINARY';
  if (arrow.DataType.isDate(type)) return 'DATE';
  if (arrow.DataType.isTimestamp(type)) return type.timezone ? 'TIMESTAMP' : 'TIMESTAMP_NTZ';
  if (arrow.DataType.isDecimal(type)) return 'DECIMAL';
  return String(type).toUpperCase();
}

/** Parses one JSON_ARRAY cell (a string, or null) into the JavaScript value Arrow's builders take. */
export function jsonCellToValue(cell: string | null, type: arrow.DataType): unknown {
  if (cell === null) return null;
  if (arrow.DataType.isBool(type)) return cell === 'true';
  if (arrow.DataType.isInt(type)) return type.bitWidth === 64 ? BigInt(cell) : Number(cell);
  if (arrow.DataType.isFloat(type)) return Number(cell);
  if (arrow.DataType.isDate(type) || arrow.DataType.isTimestamp(type)) {
    // Databricks renders timestamps without a zone suffix as UTC.
    const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(cell) || arrow.DataType.isDate(type) ? cell : `${cell}Z`;
    return new Date(iso.replace(' ', 'T'));
  }
  if (arrow.DataType.isBinary(type)) return Buffer.from(cell, 'base64');
  return cell;
}

/** `name` as a backtick-quoted Spark SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** A single-quoted SQL string literal. */
export function quoteString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}
