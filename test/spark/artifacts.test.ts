import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { artifactRequests, cacheArtifact } from '../../src/spark/artifacts.js';

describe('AddArtifacts payloads', () => {
  const data = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) % 256);

  it('names cached data by its SHA-256', () => {
    const hash = createHash('sha256').update(data).digest('hex');
    expect(cacheArtifact(data)).toEqual({ hash, name: `cache/${hash}` });
  });

  it('small data goes as one single-chunk batch with its CRC', () => {
    const [only, ...rest] = [...artifactRequests('cache/x', data, 1 << 20)];
    expect(rest).toEqual([]);
    expect(only!.payload.case).toBe('batch');
    const artifact = (only!.payload.value as any).artifacts[0];
    expect(artifact.name).toBe('cache/x');
    expect(artifact.data.crc).toBe(BigInt(crc32(data)));
  });

  it('large data goes as a begun chunked artifact and its chunks, which reassemble to the input', () => {
    const requests = [...artifactRequests('cache/y', data, 3000)];
    expect(requests.map((r) => r.payload.case)).toEqual(['beginChunk', 'chunk', 'chunk', 'chunk']);
    const begin = requests[0]!.payload.value as any;
    expect(begin).toMatchObject({ name: 'cache/y', totalBytes: 10_000n, numChunks: 4n });
    const chunks = [begin.initialChunk, ...requests.slice(1).map((r) => r.payload.value as any)];
    for (const chunk of chunks) expect(chunk.crc).toBe(BigInt(crc32(chunk.data)));
    expect(Buffer.concat(chunks.map((c) => c.data))).toEqual(Buffer.from(data));
  });
});
