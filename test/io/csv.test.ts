import { describe, expect, it } from 'vitest';
import { copyCsvRecord, CsvScanner, csvFieldText, parseCsv } from '../../src/io/csv.js';
import type { CsvRecord } from '../../src/io/csv.js';
import { MlopsError } from '../../src/errors.js';

/** Feeds chunks one by one, draining after each, as a streaming reader does. */
function feed(chunks: (string | Uint8Array)[], options: ConstructorParameters<typeof CsvScanner>[0] = {}): CsvRecord[] {
  const scanner = new CsvScanner(options);
  const records: CsvRecord[] = [];
  const take = () => scanner.drain((record) => void records.push(copyCsvRecord(record)));
  for (const chunk of chunks) {
    scanner.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    take();
  }
  scanner.end();
  take();
  return records;
}

describe('parseCsv', () => {
  it('splits the header from the records and numbers lines from 1', () => {
    const doc = parseCsv('a,b\n1,2\n3,4\n');
    expect(doc.header?.fields).toEqual(['a', 'b']);
    expect(doc.header?.line).toBe(1);
    expect(doc.records.map((r) => [r.line, r.fields])).toEqual([
      [2, ['1', '2']],
      [3, ['3', '4']],
    ]);
  });

  it('gives no header and no records for empty input', () => {
    expect(parseCsv('')).toEqual({ header: undefined, records: [] });
    expect(parseCsv('\n\n')).toEqual({ header: undefined, records: [] });
  });

  it('reads quoted fields with delimiters, escaped quotes and line breaks', () => {
    const doc = parseCsv('name,note\n"Smith, J","said ""hi"""\n"multi\nline",x\nlast,"a\r\nb"\n');
    expect(doc.records.map((r) => r.fields)).toEqual([
      ['Smith, J', 'said "hi"'],
      ['multi\nline', 'x'],
      ['last', 'a\r\nb'],
    ]);
    // A quoted line break moves the next record's line number on.
    expect(doc.records.map((r) => r.line)).toEqual([2, 3, 5]);
    expect(doc.records[1]?.raw).toBe('"multi\nline",x');
  });

  it('accepts CRLF, LF and lone CR line endings alike', () => {
    for (const eol of ['\r\n', '\n', '\r']) {
      const doc = parseCsv(`a,b${eol}1,2${eol}3,4${eol}`);
      expect(doc.records.map((r) => [r.line, r.fields, r.raw])).toEqual([
        [2, ['1', '2'], '1,2'],
        [3, ['3', '4'], '3,4'],
      ]);
    }
  });

  it('drops a leading byte order mark', () => {
    const doc = parseCsv('\uFEFFsepal_length,species\n1,setosa');
    expect(doc.header?.fields).toEqual(['sepal_length', 'species']);
    expect(doc.records[0]?.fields).toEqual(['1', 'setosa']);
  });

  it('keeps the last record when there is no trailing line break, and empty fields', () => {
    const doc = parseCsv('a,b,c\n,,\n1,,3\n"",x,');
    expect(doc.records.map((r) => r.fields)).toEqual([
      ['', '', ''],
      ['1', '', '3'],
      ['', 'x', ''],
    ]);
  });

  it('skips blank lines but counts them in line numbers', () => {
    const doc = parseCsv('a\n\n1\r\n\r\n2\n');
    expect(doc.records.map((r) => [r.line, r.fields])).toEqual([
      [3, ['1']],
      [5, ['2']],
    ]);
  });

  it('reports ragged rows as they are, with their own field counts', () => {
    const doc = parseCsv('a,b,c\n1,2\n1,2,3,4\n1,2,3\n');
    expect(doc.records.map((r) => [r.line, r.fields.length])).toEqual([
      [2, 2],
      [3, 4],
      [4, 3],
    ]);
    expect(doc.records.every((r) => r.error === undefined)).toBe(true);
  });

  it('flags text after a closing quote without stopping', () => {
    const doc = parseCsv('a,b\n"x"y,2\nok,3\n');
    expect(doc.records[0]?.error).toMatch(/after the closing quote of field 1/);
    expect(doc.records[0]?.fields).toEqual(['x"y', '2']);
    expect(doc.records[1]).toEqual({ line: 3, fields: ['ok', '3'], raw: 'ok,3', quoted: [false, false] });
  });

  it('flags an unterminated quote at the end of input', () => {
    const doc = parseCsv('a,b\n1,"open\nstill open');
    expect(doc.records).toHaveLength(1);
    expect(doc.records[0]?.line).toBe(2);
    expect(doc.records[0]?.error).toMatch(/unterminated quoted field/);
    expect(doc.records[0]?.fields).toEqual(['1', 'open\nstill open']);
  });

  it('takes other single-character delimiters and rejects unusable ones', () => {
    expect(parseCsv('a;b\n"1;5";2', { delimiter: ';' }).records[0]?.fields).toEqual(['1;5', '2']);
    expect(parseCsv('a\tb\n1\t2', { delimiter: '\t' }).records[0]?.fields).toEqual(['1', '2']);
    expect(() => new CsvScanner({ delimiter: '"' })).toThrow(MlopsError);
    expect(() => new CsvScanner({ delimiter: ',,' })).toThrow(/single ASCII character/);
    expect(() => new CsvScanner({ delimiter: '§' })).toThrow(/single ASCII character/);
  });
});

describe('CsvScanner fed in chunks', () => {
  const text = '\uFEFFa,b\r\n"x,\r\ny","q""q"\r\n3,4\r\n\r\nlast,"é"';
  const whole = parseCsv(text);

  it('gives the same records whatever the chunk boundaries, bytes split anywhere', () => {
    const expected = [whole.header, ...whole.records];
    const bytes = Buffer.from(text);
    for (let size = 1; size <= bytes.length; size++) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(feed(chunks), `chunks of ${size}`).toEqual(expected);
    }
    expect(whole.records.map((record) => [record.line, record.fields])).toEqual([
      [2, ['x,\r\ny', 'q"q']],
      [4, ['3', '4']],
      [6, ['last', 'é']],
    ]);
  });

  it('tells a quoted empty field from an empty one', () => {
    expect(parseCsv('a,b,c\n"",,x').records[0]).toMatchObject({ fields: ['', '', 'x'], quoted: [true, false, false] });
  });

  it('pauses when the callback returns false and goes on where it stopped', () => {
    const scanner = new CsvScanner();
    scanner.write(Buffer.from('h\n1\n2\n3\n'));
    scanner.end();
    const seen: string[] = [];
    const take = (limit: number) => scanner.drain((record) => {
      seen.push(csvFieldText(record, 0));
      return seen.length < limit;
    });
    expect(take(2)).toBe(false);
    expect(seen).toEqual(['h', '1']);
    expect(take(3)).toBe(false);
    expect(take(100)).toBe(true);
    expect(seen).toEqual(['h', '1', '2', '3']);
  });

  it('keeps a record that is not complete yet and returns it once its line ends', () => {
    const scanner = new CsvScanner();
    const seen: string[][] = [];
    const take = () => scanner.drain((record) => void seen.push(copyCsvRecord(record).fields));
    scanner.write(Buffer.from('a,b\n1,'));
    expect(take()).toBe(true);
    expect(seen).toEqual([['a', 'b']]);
    expect(scanner.pendingBytes).toBe(2);
    scanner.write(Buffer.from('2\r'));
    take();
    // A CR at the end of a chunk may be the first half of a CRLF: the record waits for the next byte.
    expect(seen).toHaveLength(1);
    scanner.write(Buffer.from('\n'));
    take();
    expect(seen).toEqual([['a', 'b'], ['1', '2']]);
  });

  it('fails with CORRUPT, naming the source and line, on a record longer than the limit (an unclosed quote)', () => {
    let caught: unknown;
    try {
      feed(['a,b\n1,2\n3,"never closed', ' and on'.repeat(50)], { maxRecordBytes: 100, source: 'landing/bad.csv' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'CORRUPT', message: 'landing/bad.csv: the record starting on line 3 is longer than 100 bytes; a quote is probably opened and never closed' });
  });

  it('takes a chunk longer than the record limit when each of its records is shorter', () => {
    const text = `a,b\n${'1,2\n'.repeat(100)}`;
    expect(feed([text], { maxRecordBytes: 64 })).toHaveLength(101);
    expect(parseCsv(text, { maxRecordBytes: 64 }).records).toHaveLength(100);
  });

  it('decodes invalid UTF-8 with replacement characters instead of failing the whole input', () => {
    const records = feed([Buffer.concat([Buffer.from('a\nok\n'), Buffer.from([0xff, 0x0a])])]);
    expect(records.map((record) => record.fields[0])).toEqual(['a', 'ok', '\uFFFD']);
  });
});
