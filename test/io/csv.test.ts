import { describe, expect, it } from 'vitest';
import { CsvParser, parseCsv } from '../../src/io/csv.js';
import type { CsvRecord } from '../../src/io/csv.js';
import { MlopsError } from '../../src/errors.js';

function feed(chunks: (string | Uint8Array)[]): CsvRecord[] {
  const parser = new CsvParser();
  const records = chunks.flatMap((chunk) => parser.push(chunk));
  return [...records, ...parser.end()];
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
    expect(doc.records[0]?.fields).toEqual(['xy', '2']);
    expect(doc.records[1]).toEqual({ line: 3, fields: ['ok', '3'], raw: 'ok,3' });
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
    expect(() => new CsvParser({ delimiter: '"' })).toThrow(MlopsError);
    expect(() => new CsvParser({ delimiter: ',,' })).toThrow(/single character/);
  });
});

describe('CsvParser fed in chunks', () => {
  const text = '\uFEFFa,b\r\n"x,\r\ny","q""q"\r\n3,4\r\n';
  const whole = parseCsv(text);

  it('gives the same records whatever the chunk boundaries', () => {
    const expected = [whole.header, ...whole.records];
    for (let size = 1; size <= text.length; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect(feed(chunks)).toEqual(expected);
    }
  });

  it('decodes UTF-8 bytes split inside a multi-byte character', () => {
    const bytes = new TextEncoder().encode('\uFEFFname\nJosé\n日本\n');
    const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
    expect(feed(chunks).map((r) => r.fields[0])).toEqual(['name', 'José', '日本']);
  });

  it('rejects bytes that are not UTF-8, naming the source and line', () => {
    const parser = new CsvParser({ source: 'landing/bad.csv' });
    parser.push(new TextEncoder().encode('a\nok\n'));
    let caught: unknown;
    try {
      parser.push(Uint8Array.of(0xff, 0x0a));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MlopsError);
    expect((caught as MlopsError).code).toBe('CORRUPT');
    expect((caught as MlopsError).message).toMatch(/landing\/bad\.csv is not valid UTF-8 \(near line 3\)/);
  });

  it('returns records as soon as they are complete', () => {
    const parser = new CsvParser();
    expect(parser.push('a,b\n1,')).toEqual([{ line: 1, fields: ['a', 'b'], raw: 'a,b' }]);
    expect(parser.push('2')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ line: 2, fields: ['1', '2'], raw: '1,2' }]);
    expect(parser.end()).toEqual([]);
  });
});
