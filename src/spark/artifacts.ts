import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { AddArtifactsRequest } from './gen/spark/connect/base_pb.js';

/** Bytes per AddArtifacts message for data too large for one. */
export const ARTIFACT_CHUNK_BYTES = 4 * 1024 * 1024;

type Payload = Omit<AddArtifactsRequest, 'sessionId' | 'userContext' | 'clientType' | '$typeName'>;

/** The artifact name under which the server keeps cached local data: cache/<sha-256 hex>. */
export function cacheArtifact(data: Uint8Array): { hash: string; name: string } {
  const hash = createHash('sha256').update(data).digest('hex');
  return { hash, name: `cache/${hash}` };
}

/**
 * The AddArtifacts client stream for one artifact: a single-chunk batch when it fits in one
 * message, otherwise BeginChunkedArtifact and then the chunks, each with its CRC-32.
 */
export function* artifactRequests(name: string, data: Uint8Array, chunkBytes: number = ARTIFACT_CHUNK_BYTES): Generator<Payload> {
  const chunk = (start: number) => {
    const part = data.subarray(start, Math.min(data.length, start + chunkBytes));
    return { $typeName: 'spark.connect.AddArtifactsRequest.ArtifactChunk' as const, data: part, crc: BigInt(crc32(part)) };
  };
  if (data.length <= chunkBytes) {
    yield {
      payload: {
        case: 'batch',
        value: { $typeName: 'spark.connect.AddArtifactsRequest.Batch', artifacts: [{ $typeName: 'spark.connect.AddArtifactsRequest.SingleChunkArtifact', name, data: chunk(0) }] },
      },
    };
    return;
  }
  const numChunks = Math.ceil(data.length / chunkBytes);
  yield {
    payload: {
      case: 'beginChunk',
      value: { $typeName: 'spark.connect.AddArtifactsRequest.BeginChunkedArtifact', name, totalBytes: BigInt(data.length), numChunks: BigInt(numChunks), initialChunk: chunk(0) },
    },
  };
  for (let index = 1; index < numChunks; index++) yield { payload: { case: 'chunk', value: chunk(index * chunkBytes) } };
}
