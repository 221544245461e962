import { describe, expect, it } from 'vitest';
import { BadFileError } from '../../../src/stages/ingest/bad-file.js';
import { CsvRowDecoder } from '../../../src/stages/ingest/decode-csv.js';
import { JsonLinesRowDecoder } from '../../../src/stages/ingest/decode-jsonl.js';
import type { RowDecoder } from '../../../src/stages/ingest/decoder.js';
import { QuarantineBuffer, RowBuffer } from '../../../src/stages/ingest/rows.js';
import { parseSchema } from '../../../src/stages/ingest/schema.js';
import type { IngestSchema } from '../../../src/stages/ingest/schema.js';

const schema = parseSchema("id BIGINT NOT NULL, kind STRING IN ('a', 'b')");
const LIMIT = 16 * 1024 * 1024;

/** What the shared decoding shell does is the same for every byte-stream format: one suite run over each. */
const formats: { name: string; make: (schema: IngestSchema, rows: RowBuffer, quarantine: QuarantineBuffer, file: string) => RowDecoder; rows: (ids: number[]) => string; unending: string }[] = [
  {
    name: 'CSV',
    make: (schema, rows, quarantine, file) => new CsvRowDecoder(schema, 'rescue', rows, quarantine, file),
    rows: (ids) => `id,kind\n${ids.map((id) => `${id},a\n`).join('')}`,
    unending: `id,kind\n1,"${'x'.repeat(LIMIT + 1024)}`,
  },
  {
    name: 'JSON Lines',
    make: (schema, rows, quarantine, file) => new JsonLinesRowDecoder(schema, 'rescue', rows, quarantine, file),
    rows: (ids) => ids.map((id) => `{"id":${id},"kind":"a"}\n`).join(''),
    unending: `{"id":1}\n{"id":2,"kind":"${'x'.repeat(LIMIT + 1024)}`,
  },
];

/** Feeds `text` in chunks as ingestion does, flushing the rows each time the buffer is full. */
function decode(format: (typeof formats)[number], text: string, chunk: number, limit = 100) {
  const rows = new RowBuffer(schema, limit);
  const quarantine = new QuarantineBuffer();
  const decoder = format.make(schema, rows, quarantine, 'landing/f');
  const parts: bigint[][] = [];
  const flush = () => {
    parts.push(rows.toRecordBatch('f', 0).toArray().map((row) => row.id as bigint));
    rows.clear();
  };
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunk) {
    decoder.write(bytes.subarray(i, i + chunk));
    while (!decoder.drain()) flush();
  }
  decoder.end();
  while (!decoder.drain()) flush();
  decoder.finish();
  if (rows.rows > 0) flush();
  return parts;
}

describe.each(formats)('RowDecoder over $name', (format) => {
  it('pauses when the row buffer is full, so that every part but the last holds exactly the limit', () => {
    const ids = Array.from({ length: 23 }, (_, i) => i);
    for (const chunk of [5, 64, 10_000]) {
      const parts = decode(format, format.rows(ids), chunk, 10);
      expect(parts.map((part) => part.length), `chunks of ${chunk}`).toEqual([10, 10, 3]);
      expect(parts.flat()).toEqual(ids.map(BigInt));
    }
  });

  it('makes a record that never ends a bad file (BadFileError, CORRUPT) naming its line, however the chunks fall', () => {
    let caught: unknown;
    try {
      decode(format, format.unending, 1024 * 1024);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BadFileError);
    expect(caught).toMatchObject({ code: 'CORRUPT', reason: expect.stringMatching(/line 2 is longer than 16777216 bytes/) });
  });
});
