import { describe, expect, it } from 'vitest';
import { coerceJson, coerceParquet, coerceText, parseDecimalBytes } from '../../../src/stages/ingest/coerce.js';
import type { IngestColumn } from '../../../src/stages/ingest/schema.js';

const double: IngestColumn = { name: 'x', type: 'double', nullable: false };
const bigint: IngestColumn = { name: 'n', type: 'bigint', nullable: true };
const int: IngestColumn = { name: 'i', type: 'int', nullable: false };
const label: IngestColumn = { name: 'species', type: 'string', nullable: false, allowed: ['setosa'] };
const text: IngestColumn = { name: 's', type: 'string', nullable: true };

describe('coerceText (CSV)', () => {
  it('takes decimal and scientific numbers, and rejects the rest with a reason', () => {
    expect(['5.1', '-2', '+.5', '5.', '1e-3', '2E+2'].map((value) => coerceText(double, value, false))).toEqual([5.1, -2, 0.5, 5, 0.001, 200].map((value) => ({ ok: true, value })));
    expect(coerceText(double, '0x1A', false)).toEqual({ ok: false, reason: 'x "0x1A" is not a number' });
    expect(coerceText(double, '1,000', false)).toEqual({ ok: false, reason: 'x "1,000" is not a number' });
    expect(coerceText(double, 'Infinity', false)).toEqual({ ok: false, reason: 'x "Infinity" is not a number' });
    expect(coerceText(double, '1e999', false)).toEqual({ ok: false, reason: 'x "1e999" is out of the float64 range' });
  });

  it('takes integers within range for BIGINT and INT only', () => {
    expect(coerceText(bigint, '-9223372036854775808', false)).toEqual({ ok: true, value: -9223372036854775808n });
    expect(coerceText(bigint, '9223372036854775808', false)).toEqual({ ok: false, reason: 'n "9223372036854775808" is out of the 64-bit range' });
    expect(coerceText(bigint, '4.0', false)).toEqual({ ok: false, reason: 'n "4.0" is not an integer' });
    expect(coerceText(int, '2147483647', false)).toEqual({ ok: true, value: 2147483647 });
    expect(coerceText(int, '2147483648', false)).toEqual({ ok: false, reason: 'i "2147483648" is out of the 32-bit range' });
  });

  it('treats an empty field as missing: null when nullable, a reason when NOT NULL; a quoted "" is an empty string', () => {
    expect(coerceText(double, '', false)).toEqual({ ok: false, reason: 'x is empty' });
    expect(coerceText(bigint, '', false)).toEqual({ ok: true, value: null });
    expect(coerceText(text, '', true)).toEqual({ ok: true, value: '' });
    expect(coerceText(text, '', false)).toEqual({ ok: true, value: null });
    expect(coerceText(bigint, '', true)).toEqual({ ok: true, value: null });
  });

  it('reads the unquoted null markers NA, N/A, n/a, null, NULL, None and NaN as missing in nullable columns only; quoted they are text', () => {
    const nullableDouble: IngestColumn = { name: 'x', type: 'double', nullable: true };
    for (const marker of ['NA', 'N/A', 'n/a', 'null', 'NULL', 'None', 'NaN']) {
      for (const column of [nullableDouble, bigint, text]) expect(coerceText(column, marker, false), `${marker} in ${column.name}`).toEqual({ ok: true, value: null });
      expect(coerceText(text, marker, true)).toEqual({ ok: true, value: marker });
      expect(coerceText(double, marker, false)).toEqual({ ok: false, reason: `x "${marker}" is not a number` });
    }
    expect(coerceText({ name: 'code', type: 'string', nullable: false }, 'NA', false)).toEqual({ ok: true, value: 'NA' });
    expect(coerceText(nullableDouble, 'na', false)).toEqual({ ok: false, reason: 'x "na" is not a number' });
  });

  it('checks IN lists exactly, case included', () => {
    expect(coerceText(label, 'setosa', false)).toEqual({ ok: true, value: 'setosa' });
    expect(coerceText(label, 'Setosa', false)).toEqual({ ok: false, reason: 'species "Setosa" is not one of setosa' });
  });
});

describe('coerceJson', () => {
  it('takes JSON numbers and numeric strings; turns numbers and booleans into strings for STRING columns', () => {
    expect(coerceJson(double, 5, true)).toEqual({ ok: true, value: 5 });
    expect(coerceJson(double, '5.5', true)).toEqual({ ok: true, value: 5.5 });
    expect(coerceJson(bigint, 12, true)).toEqual({ ok: true, value: 12n });
    expect(coerceJson(bigint, 1.5, true)).toEqual({ ok: false, reason: 'n 1.5 is not an integer within 64 bits' });
    expect(coerceJson(int, 3e9, true)).toEqual({ ok: false, reason: 'i 3000000000 is not an integer within 32 bits' });
    expect(coerceJson(text, 7, true)).toEqual({ ok: true, value: '7' });
    expect(coerceJson(text, true, true)).toEqual({ ok: true, value: 'true' });
    expect(coerceJson(double, true, true)).toEqual({ ok: false, reason: 'x is a boolean (true), not a number' });
    expect(coerceJson(text, { a: 1 }, true)).toEqual({ ok: false, reason: 's is an object, not a string' });
    expect(coerceJson(double, [1], true)).toEqual({ ok: false, reason: 'x is an array, not a number' });
  });

  it('treats an absent key or null as missing', () => {
    expect(coerceJson(double, undefined, false)).toEqual({ ok: false, reason: 'x is missing' });
    expect(coerceJson(double, null, true)).toEqual({ ok: false, reason: 'x is null' });
    expect(coerceJson(bigint, null, true)).toEqual({ ok: true, value: null });
  });
});

describe('coerceParquet', () => {
  it('widens Parquet numbers to the schema type when exact, and reads strings by the text rules', () => {
    expect(coerceParquet(double, 3)).toEqual({ ok: true, value: 3 });
    expect(coerceParquet(double, 2n ** 53n)).toEqual({ ok: true, value: 2 ** 53 });
    expect(coerceParquet(bigint, 7)).toEqual({ ok: true, value: 7n });
    expect(coerceParquet(bigint, 7n)).toEqual({ ok: true, value: 7n });
    expect(coerceParquet(int, 7n)).toEqual({ ok: true, value: 7 });
    expect(coerceParquet(int, 2n ** 40n)).toEqual({ ok: false, reason: 'i 1099511627776 is not an integer within 32 bits' });
    expect(coerceParquet(double, '4.25')).toEqual({ ok: true, value: 4.25 });
    expect(coerceParquet(text, 12n)).toEqual({ ok: true, value: '12' });
    expect(coerceParquet(double, null)).toEqual({ ok: false, reason: 'x is null' });
    expect(coerceParquet(double, new Uint8Array(2))).toEqual({ ok: false, reason: 'x has a value of an unsupported Parquet type (Uint8Array)' });
  });
});

describe('parseDecimalBytes', () => {
  const bytes = (value: string) => Buffer.from(value);
  it('equals Number(text) for plain decimals, bit for bit, and is NaN where it cannot be sure', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const samples = ['0', '-0', '5.1', '0.1', '123456789012345', '9007199254740991', '1e22', '1e-22', '3.14159e2', '-7.25E-3', '.5', '5.'];
    for (let i = 0; i < 2000; i++) samples.push((random() * 10 ** Math.floor(random() * 12) * (random() < 0.5 ? -1 : 1)).toFixed(Math.floor(random() * 8)));
    let fast = 0;
    for (const sample of samples) {
      const parsed = parseDecimalBytes(bytes(sample), 0, sample.length);
      // NaN means "take the general path"; anything else must be exactly what Number() gives.
      if (Number.isNaN(parsed)) continue;
      fast++;
      expect(Object.is(parsed, Number(sample)), sample).toBe(true);
    }
    expect(fast).toBeGreaterThan(samples.length * 0.9);
    for (const sample of ['0', '-0', '5.1', '123456789012345', '9007199254740991', '1e22', '1e-22']) expect(Number.isNaN(parseDecimalBytes(bytes(sample), 0, sample.length)), sample).toBe(false);
    for (const slow of ['9007199254740993', '1e23', '1.7976931348623157e308', '', '-', '1e', '1.2.3', 'abc', '0x10', ' 1', '1e99999']) {
      expect(Number.isNaN(parseDecimalBytes(bytes(slow), 0, slow.length)), slow).toBe(true);
    }
  });
});
