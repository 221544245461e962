import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { joinChunks, readBodyChunks, utf8Text } from '../../src/serve/read-body.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server on 127.0.0.1:0 that answers with the body read as UTF-8 text, or the error's status and message. */
async function echo(limit: number): Promise<string> {
  server = createServer((request, response) => {
    readBodyChunks(request, limit).then(joinChunks).then(utf8Text).then(
      (text) => response.end(`ok:${text}`),
      (error: { status?: number; message: string }) => {
        response.writeHead(error.status ?? 500, { connection: 'close' });
        response.end(error.message);
      },
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('readBodyChunks, joinChunks and utf8Text', () => {
  it('returns the UTF-8 text of a body within the limit', async () => {
    const url = await echo(16);
    expect(await (await fetch(url, { method: 'POST', body: 'héllo' })).text()).toBe('ok:héllo');
  });

  it('joins the chunks of a body in order (what the scoring worker does with them)', () => {
    expect(joinChunks([Uint8Array.of(1, 2), Uint8Array.of(), Uint8Array.of(3)])).toEqual(Uint8Array.of(1, 2, 3));
    const one = Uint8Array.of(7);
    expect(joinChunks([one])).toBe(one);
    expect(joinChunks([])).toEqual(new Uint8Array(0));
  });

  it('refuses a body over the limit (413) and bytes that are not UTF-8 (400)', async () => {
    const url = await echo(4);
    const big = await fetch(url, { method: 'POST', body: '12345' });
    expect(big.status).toBe(413);
    expect(await big.text()).toBe('The request body has 5 bytes; the limit is 4 bytes (mlops serve --max-body-bytes)');
    const binary = await fetch(url, { method: 'POST', body: Uint8Array.of(0xff, 0xfe) });
    expect(binary.status).toBe(400);
  });
});
