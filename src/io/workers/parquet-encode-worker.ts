import { parentPort } from 'node:worker_threads';
import { encodeRowGroupJob } from '../parquet-encode.js';
import { columnBuffers, type EncodeReply, type EncodeRequest } from './parquet-encode-protocol.js';

/**
 * Worker thread entry: encodes row groups posted by ParquetEncodePool and posts the bytes back.
 * Everything moves by transfer, never by copy, and round-trips: the row group's input buffers go
 * back with the reply, and output buffers come back with later requests to be written into again.
 * Imports nothing heavier than the encoder, so it starts in milliseconds.
 */
if (parentPort === null) throw new Error('parquet-encode-worker must run in a worker thread');
const port = parentPort;
const spare: ArrayBuffer[] = [];
const MAX_SPARE = 8;

function allocate(minBytes: number): ArrayBuffer {
  const index = spare.findIndex((buffer) => buffer.byteLength >= minBytes);
  if (index >= 0) return spare.splice(index, 1)[0]!;
  return new ArrayBuffer(minBytes);
}

port.on('message', (request: EncodeRequest) => {
  for (const buffer of request.recycle) if (spare.length < MAX_SPARE) spare.push(buffer);
  const returned = columnBuffers(request.columns);
  let reply: EncodeReply;
  try {
    const group = encodeRowGroupJob(request, allocate);
    reply = { id: request.id, ok: true, group, returned };
    port.postMessage(reply, [group.bytes.buffer as ArrayBuffer, ...returned]);
  } catch (error) {
    reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error), returned };
    port.postMessage(reply, returned);
  }
});
