import { describe, expect, it } from 'vitest';
import { JsonLinesRowDecoder } from '../../../src/stages/ingest/decode-jsonl.js';
import { QuarantineBuffer, RowBuffer } from '../../../src/stages/ingest/rows.js';
import { parseSchema } from '../../../src/stages/ingest/schema.js';

const schema = parseSchema("id BIGINT NOT NULL, name STRING, kind STRING IN ('a', 'b')");

function decode(text: string, extras: 'rescue' | 'fail' = 'rescue', limit = 100) {
  const rows = new RowBuffer(schema, limit);
  const quarantine = new QuarantineBuffer();
  const decoder = new JsonLinesRowDecoder(schema, extras, rows, quarantine, 'in.jsonl');
  const parts: unknown[][] = [];
  const flush = () => {
    parts.push(rows.toRecordBatch('in.jsonl', 0).toArray().map((row) => [row.id, row.name, row.kind, row._rescued_data]));
    rows.clear();
  };
  decoder.write(Buffer.from(text));
  decoder.end();
  while (!decoder.drain()) flush();
  decoder.finish();
  if (rows.rows > 0) flush();
  return { parts, quarantined: quarantine.toRecordBatch('x', 0).toArray().map((row) => [Number(row.row_number), row.reason]) };
}

describe('JsonLinesRowDecoder', () => {
  it('maps keys to columns, coerces values and rescues unknown keys', () => {
    const { parts, quarantined } = decode('{"id": 1, "name": "x", "kind": "a", "more": {"deep": true}}\n{"id": "2"}\n');
    expect(quarantined).toEqual([]);
    expect(parts).toEqual([[[1n, 'x', 'a', '{"more":{"deep":true}}'], [2n, null, null, null]]]);
  });

  it('quarantines lines that are not objects, not JSON, or whose values do not fit', () => {
    const { quarantined } = decode('[1]\n"s"\nnull\n{bad\n{"name": "n"}\n{"id": 1, "kind": "c"}\n');
    expect(quarantined).toEqual([
      [1, 'expected a JSON object, found an array'],
      [2, 'expected a JSON object, found string'],
      [3, 'expected a JSON object, found null'],
      [4, expect.stringMatching(/^not valid JSON/)],
      [5, 'id is missing'],
      [6, 'kind "c" is not one of a, b'],
    ]);
  });

  it('with on_extra_columns fail, quarantines a row with unknown keys', () => {
    expect(decode('{"id": 1, "x": 1, "y": 2}\n', 'fail').quarantined).toEqual([[1, 'unexpected fields x, y (on_extra_columns is fail)']]);
  });

  it('pauses when the part is full', () => {
    expect(decode('{"id":1}\n{"id":2}\n{"id":3}\n', 'rescue', 2).parts.map((part) => part.length)).toEqual([2, 1]);
  });
});
