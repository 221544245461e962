import { MlopsError } from '../errors.js';
import { checkParquetMagic } from './parquet-magic.js';
import { ThriftCompactReader, type ThriftValue } from './thrift-compact.js';

/**
 * The rows of each row group of a Parquet file held in memory, read from its footer (Thrift's
 * compact protocol: FileMetaData field 3 is num_rows, field 4 the list of RowGroups, whose field
 * 3 is num_rows). The row groups' counts must add up to the file's. Fails with CORRUPT, naming
 * `name`, on bytes that are not a whole Parquet footer.
 */
export function parquetRowGroupRows(bytes: Uint8Array, name: string): number[] {
  checkParquetMagic(bytes.subarray(0, 4), bytes.subarray(Math.max(0, bytes.byteLength - 4)), bytes.byteLength, name);
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset + bytes.byteLength - 8, 4).getUint32(0, true);
  const start = bytes.byteLength - 8 - footerLength;
  if (start < 4) throw corrupt(name, `its footer length ${footerLength} does not fit in its ${bytes.byteLength} bytes`);
  let footer;
  try {
    footer = new ThriftCompactReader(bytes.subarray(start, bytes.byteLength - 8)).struct();
  } catch (error) {
    if (error instanceof RangeError) throw corrupt(name, error.message);
    throw error;
  }
  const groups = footer.get(4);
  if (!Array.isArray(groups)) throw corrupt(name, 'it has no list of row groups');
  const rows = groups.map((group: ThriftValue, index) => {
    const count = group instanceof Map ? group.get(3) : undefined;
    if (typeof count !== 'number' || count < 0) throw corrupt(name, `row group ${index} has no row count`);
    return count;
  });
  // Both are required fields of FileMetaData, and must agree.
  const total = footer.get(3);
  const sum = rows.reduce((a, b) => a + b, 0);
  if (typeof total !== 'number' || total !== sum) throw corrupt(name, `its row count ${typeof total === 'number' ? total : '(missing)'} is not the sum of its row groups' (${sum})`);
  return rows;
}

function corrupt(name: string, why: string): MlopsError {
  return new MlopsError('CORRUPT', `Cannot read the footer of Parquet file ${name}: ${why}`, { details: { source: name } });
}
