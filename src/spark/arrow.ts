import { RecordBatch, RecordBatchReader, Table, tableToIPC } from 'apache-arrow';
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

/** A table as one Arrow IPC stream, as LocalRelation.data expects. */
export function encodeArrowStream(table: Table | RecordBatch[]): Uint8Array {
  const whole = Array.isArray(table) ? new Table(table) : table;
  return tableToIPC(whole, 'stream');
}
