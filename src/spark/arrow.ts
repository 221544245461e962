import { DataType, RecordBatch, RecordBatchReader, Table, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { MlopsError } from '../errors.js';

/**
 * Decodes one Spark Connect ArrowBatch payload (an Arrow IPC stream: schema, then record
 * batches). Spark sends each batch with its own schema message.
 */
export function decodeArrowBatch(data: Uint8Array, where: string): RecordBatch[] {
  try {
    return RecordBatchReader.from(data).readAll();
  } catch (error) {
    throw new MlopsError('CORRUPT', `${where}: an Arrow batch from the server could not be decoded: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Spark reads the indices of a dictionary-encoded Arrow column, not its values (apache-arrow's
 * tableFromArrays dictionary-encodes strings): such columns are sent decoded.
 */
export function withoutDictionaries(table: Table): Table {
  if (!table.schema.fields.some((field) => DataType.isDictionary(field.type))) return table;
  const columns: Record<string, Vector> = {};
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name)!;
    columns[field.name] = DataType.isDictionary(field.type) ? vectorFromArray([...vector], field.type.dictionary) : vector;
  }
  return new Table(columns);
}

/** A table as one Arrow IPC stream, as LocalRelation.data expects. */
export function encodeArrowStream(table: Table | RecordBatch[]): Uint8Array {
  const whole = Array.isArray(table) ? new Table(table) : table;
  return tableToIPC(withoutDictionaries(whole), 'stream');
}
