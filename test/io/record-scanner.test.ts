import { describe, expect, it } from 'vitest';
import { CsvScanner } from '../../src/io/csv.js';
import { JsonLinesScanner } from '../../src/io/jsonl.js';
import { recordText } from '../../src/io/record-scanner.js';
import type { RecordScanner, ScannedRecord } from '../../src/io/record-scanner.js';

/** The streaming protocol is shared: one suite, run over every scanner. */
const scanners: { name: string; make: (limits?: { maxBytes?: number; source?: string }) => RecordScanner<ScannedRecord>; tooLong: RegExp }[] = [
  {
    name: 'CsvScanner',
    make: (limits = {}) => new CsvScanner({ ...(limits.maxBytes === undefined ? {} : { maxRecordBytes: limits.maxBytes }), ...(limits.source === undefined ? {} : { source: limits.source }) }),
    tooLong: /^in\.txt: the record starting on line 3 is longer than 64 bytes; a quote is probably opened and never closed$/,
  },
  {
    name: 'JsonLinesScanner',
    make: (limits = {}) => new JsonLinesScanner({ ...(limits.maxBytes === undefined ? {} : { maxLineBytes: limits.maxBytes }), ...(limits.source === undefined ? {} : { source: limits.source }) }),
    tooLong: /^in\.txt: line 3 is longer than 64 bytes$/,
  },
];

/** Feeds chunks one by one, draining after each, and returns [line, raw text] per record. */
function scan(scanner: RecordScanner<ScannedRecord>, chunks: Uint8Array[]): [number, string][] {
  const out: [number, string][] = [];
  const take = () => scanner.drain((record) => void out.push([record.line, recordText(record)]));
  for (const chunk of chunks) {
    scanner.write(chunk);
    take();
  }
  scanner.end();
  take();
  return out;
}

function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

describe.each(scanners)('RecordScanner protocol: $name', ({ make, tooLong }) => {
  it('drops a BOM, joins records split across chunks, keeps a last record without a line break, whatever the chunk size', () => {
    const bytes = Buffer.from('\uFEFF"é1"\r\n"日本"\n\n"last"');
    const expected: [number, string][] = [
      [1, '"é1"'],
      [2, '"日本"'],
      [4, '"last"'],
    ];
    for (let size = 1; size <= bytes.length; size++) expect(scan(make(), chunked(bytes, size)), `chunks of ${size}`).toEqual(expected);
  });

  it('waits for three bytes before deciding about a BOM, unless the input ends first', () => {
    expect(scan(make(), [Buffer.from('1')])).toEqual([[1, '1']]);
    expect(scan(make(), [Buffer.from([0xef, 0xbb]), Buffer.from([0xbf, 0x32])])).toEqual([[1, '2']]);
  });

  it('pauses when the callback returns false, goes on where it stopped, and keeps an unfinished record', () => {
    const scanner = make();
    scanner.write(Buffer.from('1\n2\n3\n4'));
    const seen: string[] = [];
    const take = (limit: number) => scanner.drain((record) => seen.push(recordText(record)) < limit);
    expect(take(2)).toBe(false);
    expect(seen).toEqual(['1', '2']);
    expect(take(100)).toBe(true);
    expect(seen).toEqual(['1', '2', '3']);
    expect(scanner.pendingBytes).toBe(1);
    scanner.end();
    expect(take(100)).toBe(true);
    expect(seen).toEqual(['1', '2', '3', '4']);
    expect(scanner.pendingBytes).toBe(0);
  });

  it('counts only the unfinished record against the limit: a chunk may be longer when its records are not', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `${i}`);
    expect(scan(make({ maxBytes: 64 }), [Buffer.from(`${lines.join('\n')}\n`)]).map(([, text]) => text)).toEqual(lines);
  });

  it('fails with CORRUPT at drain, naming the source and the line the record starts on, when a record outgrows the limit', () => {
    const scanner = make({ maxBytes: 64, source: 'in.txt' });
    scanner.write(Buffer.from('1\n2\n"never'));
    expect(scanner.drain(() => {})).toBe(true);
    scanner.write(Buffer.from(' ends'.repeat(20)));
    let caught: unknown;
    try {
      scanner.drain(() => {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'CORRUPT', message: expect.stringMatching(tooLong), details: { source: 'in.txt', line: 3 } });
  });

  it('refuses input after end()', () => {
    const scanner = make();
    scanner.end();
    expect(() => scanner.write(Buffer.from('1\n'))).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringMatching(/write called after end\(\)$/) }));
  });
});

describe('recordText', () => {
  it('is the raw record without its line ending, invalid UTF-8 replaced', () => {
    const bytes = Buffer.from([0x78, 0x0d, 0x0a, 0x61, 0xff, 0x62, 0x0a]);
    expect(recordText({ bytes, start: 3, end: 6, line: 2 })).toBe('a\uFFFDb');
  });
});
