import { describe, expect, it } from 'vitest';
import { jsonLineText, JsonLinesScanner, parseJsonLine } from '../../src/io/jsonl.js';

function lines(chunks: (string | Uint8Array)[], options: ConstructorParameters<typeof JsonLinesScanner>[0] = {}): { line: number; text: string; parsed: ReturnType<typeof parseJsonLine> }[] {
  const scanner = new JsonLinesScanner(options);
  const out: { line: number; text: string; parsed: ReturnType<typeof parseJsonLine> }[] = [];
  const take = () => scanner.drain((line) => void out.push({ line: line.line, text: jsonLineText(line), parsed: parseJsonLine(line) }));
  for (const chunk of chunks) {
    scanner.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    take();
  }
  scanner.end();
  take();
  return out;
}

describe('JsonLinesScanner', () => {
  it('yields one line per LF, without CR, skipping blank lines and a BOM, numbering lines from 1', () => {
    const out = lines(['\uFEFF{"a":1}\r\n\n  \n{"a":"é"}\n{"a":3}']);
    expect(out.map((line) => [line.line, line.text])).toEqual([
      [1, '{"a":1}'],
      [4, '{"a":"é"}'],
      [5, '{"a":3}'],
    ]);
    expect(out.map((line) => line.parsed)).toEqual([
      { ok: true, value: { a: 1 } },
      { ok: true, value: { a: 'é' } },
      { ok: true, value: { a: 3 } },
    ]);
  });

  it('gives the same lines whatever the chunk boundaries', () => {
    const bytes = Buffer.from('{"a":"日本"}\n\r\n{"b":[1,2]}\n');
    const whole = lines([bytes]);
    for (let size = 1; size < bytes.length; size++) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(lines(chunks)).toEqual(whole);
    }
  });

  it('says why a line is not JSON or not UTF-8, without stopping', () => {
    const out = lines([Buffer.concat([Buffer.from('{"a":\n'), Buffer.from([0x22, 0xff, 0x22, 0x0a]), Buffer.from('[1]\n')])]);
    expect(out[0]?.parsed).toMatchObject({ ok: false, reason: expect.stringMatching(/^not valid JSON: /) });
    expect(out[1]?.parsed).toEqual({ ok: false, reason: 'the line is not valid UTF-8' });
    expect(out[2]?.parsed).toEqual({ ok: true, value: [1] });
  });

  it('fails with CORRUPT on a line longer than the limit', () => {
    expect(() => lines(['{"a":"', 'x'.repeat(100)], { maxLineBytes: 50, source: 'in.jsonl' })).toThrow(/^in\.jsonl: line 1 is longer than 50 bytes$/);
  });

  it('pauses when the callback returns false', () => {
    const scanner = new JsonLinesScanner();
    scanner.write(Buffer.from('1\n2\n3\n'));
    const seen: number[] = [];
    expect(scanner.drain((line) => seen.push(line.line) < 2)).toBe(false);
    expect(scanner.drain((line) => void seen.push(line.line))).toBe(true);
    expect(seen).toEqual([1, 2, 3]);
  });
});
