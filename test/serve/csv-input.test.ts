import { describe, expect, it } from 'vitest';
import { parseCsvInput } from '../../src/serve/csv-input.js';

const schema = { featureNames: ['a', 'b'] };

describe('parseCsvInput', () => {
  it('reads a header and rows by column name, ignoring other columns, CRLF and blank lines', () => {
    const parsed = parseCsvInput(',b,"a",note\r\n0,2,1,"hello, ""world"""\r\n\r\n1,4,3,"two\nlines"\n', schema);
    expect(parsed.rows).toBe(2);
    expect(Array.from(parsed.features)).toEqual([1, 2, 3, 4]);
  });

  it('names the missing column, the bad value and the ragged row', () => {
    expect(() => parseCsvInput('a\n1\n', schema)).toThrow(/Model is missing inputs \['b'\]/);
    expect(() => parseCsvInput('a,b\n1,x\n', schema)).toThrow(`Column 'b', row 0: expected a number (double), found "x"`);
    expect(() => parseCsvInput('a,b\n1,\n', schema)).toThrow(`Column 'b', row 0: expected a number (double), found ""`);
    expect(() => parseCsvInput('a,b\n1,2,3\n', schema)).toThrow('CSV row 0 has 3 fields; the header has 2');
    expect(() => parseCsvInput('', schema)).toThrow(/The CSV body is empty/);
    expect(() => parseCsvInput('a,b\n"1,2\n', schema)).toThrow('The CSV body ends inside a quoted field');
  });
});
