import { describe, expect, it } from 'vitest';
import { formatSchema, IRIS_SCHEMA, IRIS_SCHEMA_DDL, matchColumns, modelColumns, parseSchema } from '../../../src/stages/ingest/schema.js';

describe('parseSchema', () => {
  it('gives the Iris schema for an empty parameter or "iris", and reads the Iris DDL to the same columns', () => {
    expect(parseSchema('')).toBe(IRIS_SCHEMA);
    expect(parseSchema(undefined)).toBe(IRIS_SCHEMA);
    expect(parseSchema(' Iris ')).toBe(IRIS_SCHEMA);
    expect(parseSchema(IRIS_SCHEMA_DDL)).toBe(IRIS_SCHEMA);
    expect(parseSchema(IRIS_SCHEMA_DDL.toLowerCase()).name).toBe('Iris');
    expect(formatSchema(IRIS_SCHEMA)).toBe(IRIS_SCHEMA_DDL);
  });

  it('reads column definitions: types and their aliases, NOT NULL, NULL, IN lists, quoted names and values', () => {
    const schema = parseSchema("id BIGINT NOT NULL, `weird name` text, score float64 null, n INTEGER, label STRING IN ('a,b', 'it''s', plain)");
    expect(schema.columns).toEqual([
      { name: 'id', type: 'bigint', nullable: false },
      { name: 'weird name', type: 'string', nullable: true },
      { name: 'score', type: 'double', nullable: true },
      { name: 'n', type: 'int', nullable: true },
      { name: 'label', type: 'string', nullable: true, allowed: ['a,b', "it's", 'plain'] },
    ]);
    expect(parseSchema(formatSchema(schema)).columns).toEqual(schema.columns);
  });

  it('rejects what it cannot read, saying what it expected where', () => {
    const cases: [string, RegExp][] = [
      ['a', /expected a type for column "a" \(DOUBLE, BIGINT, INT or STRING\) at the end/],
      ['a FLOAT32', /expected a type for column "a".* at "FLOAT32" \(character 3\)/],
      ['a DOUBLE IN (1)', /IN \(…\) is only for STRING columns, and "a" is DOUBLE/],
      ['a STRING IN (x', /expected , or \) in the IN list/],
      ['a STRING NOT', /expected NULL after NOT/],
      ['a STRING b INT', /expected a comma or the end at "b"/],
      ['a INT, a INT', /names a more than once/],
      ['_source_file STRING', /uses _source_file, which ingestion adds itself/],
      ["a STRING IN ('x", /the quote opened at character 14 is never closed/],
    ];
    for (const [text, message] of cases) expect(() => parseSchema(text), text).toThrow(message);
    expect(() => parseSchema('a')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('matchColumns', () => {
  it('maps schema columns to file positions by name, in any order, trimming spaces; keeps extras', () => {
    const match = matchColumns(IRIS_SCHEMA, ['species ', 'petal_width', 'note', ' petal_length', 'sepal_width', 'sepal_length'], 'rescue');
    expect(match).toEqual({ positions: [5, 4, 3, 1, 0], extras: [{ name: 'note', position: 2 }] });
  });

  it('allows a nullable column to be absent (-1)', () => {
    expect(matchColumns(parseSchema('a INT NOT NULL, b INT'), ['a'], 'rescue')).toEqual({ positions: [0, -1], extras: [] });
  });

  it('explains a mismatch: missing, repeated, and unexpected columns when extras fail', () => {
    expect(matchColumns(IRIS_SCHEMA, ['sepal_length', 'sepal_length', 'x'], 'rescue')).toBe(
      'does not match the Iris schema (missing sepal_width, petal_length, petal_width, species; repeated sepal_length); ' +
        'expected sepal_length,sepal_width,petal_length,petal_width,species; found sepal_length,sepal_length,x',
    );
    expect(matchColumns(parseSchema('a INT'), ['a', 'b'], 'fail')).toMatch(/unexpected b \(on_extra_columns is fail\)/);
  });
});

describe('LABEL and EXCLUDE', () => {
  it('mark the label and the columns kept out of the model; formatSchema writes them back', () => {
    const schema = parseSchema('id BIGINT NOT NULL EXCLUDE, island STRING, mass DOUBLE, species STRING NOT NULL LABEL');
    const { label, features } = modelColumns(schema);
    expect(label.name).toBe('species');
    expect(features.map((f) => f.name)).toEqual(['island', 'mass']);
    expect(parseSchema(formatSchema(schema))).toEqual(schema);
  });

  it('without LABEL, take the one IN (…) column (the Iris schema), and say what is wrong otherwise', () => {
    expect(modelColumns(IRIS_SCHEMA).label.name).toBe('species');
    expect(() => modelColumns(parseSchema('a DOUBLE, b STRING'))).toThrow(/no label column: mark the class column with LABEL/);
    expect(() => modelColumns(parseSchema("a STRING IN ('x'), b STRING IN ('y')"))).toThrow(/no LABEL and 2 IN \(…\) columns \(a, b\)/);
    expect(() => modelColumns(parseSchema('a DOUBLE LABEL, b DOUBLE'))).toThrow(/the label column "a" must be STRING/);
    expect(() => parseSchema('a STRING LABEL, b STRING LABEL')).toThrow(/marks a, b as LABEL/);
    expect(() => parseSchema('a STRING LABEL EXCLUDE')).toThrow(/one of LABEL or EXCLUDE on "a", not both/);
  });
});
