import type { IncomingMessage } from 'node:http';
import { ScoringError } from './scoring-error.js';

/**
 * The request body as the chunks it arrived in, refusing (413 REQUEST_LIMIT_EXCEEDED) more than
 * `maxBytes`: from Content-Length before reading anything, or as soon as a chunked body grows past
 * it. The chunks are not joined here: joining 16 MiB is a copy of tens of milliseconds (more on a
 * busy machine) that would hold up the server's event loop; the scoring worker joins them (joinChunks).
 */
export async function readBodyChunks(request: IncomingMessage, maxBytes: number): Promise<Uint8Array[]> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(`${declared} bytes`, maxBytes);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge(`more than ${maxBytes} bytes`, maxBytes);
    chunks.push(chunk);
  }
  return chunks;
}

/** The chunks as one array of bytes (the chunk itself when there is one). */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let size = 0;
  for (const chunk of chunks) size += chunk.byteLength;
  const joined = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.byteLength;
  }
  return joined;
}

/** The body as text: the scoring server accepts UTF-8 only (400 BAD_REQUEST otherwise). */
export function utf8Text(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ScoringError(400, 'BAD_REQUEST', 'The request body is not valid UTF-8; the scoring server only accepts UTF-8');
  }
}

function tooLarge(size: string, maxBytes: number): ScoringError {
  return new ScoringError(413, 'REQUEST_LIMIT_EXCEEDED', `The request body has ${size}; the limit is ${maxBytes} bytes (mlops serve --max-body-bytes)`, {
    limit: maxBytes,
  });
}
