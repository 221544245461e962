import type { IncomingMessage } from 'node:http';
import { ScoringError } from './scoring-error.js';

/**
 * The request body's bytes, refusing (413 REQUEST_LIMIT_EXCEEDED) more than `maxBytes`: from
 * Content-Length before reading anything, or as soon as a chunked body grows past it.
 */
export async function readBodyBytes(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(`${declared} bytes`, maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge(`more than ${maxBytes} bytes`, maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
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
