import { describe, expect, it } from 'vitest';
import { coerceText } from '../../../../src/stages/ingest/coerce.js';
import { IRIS_SCHEMA, parseSchema } from '../../../../src/stages/ingest/schema.js';
import type { IngestColumn } from '../../../../src/stages/ingest/schema.js';
import {
  attemptTag,
  checkedSelect,
  DECIMAL_PATTERN,
  dropAttemptSql,
  goodRowsSelect,
  ingestedTableDdl,
  INTEGER_PATTERN,
  parseSparkOutput,
  quarantinedRowsSelect,
  quarantineTableDdl,
  quoteIdentifier,
  sparkOutput,
  sqlString,
  stringReadDdl,
  wholeFileQuarantineSql,
} from '../../../../src/stages/ingest/spark/compile.js';
import type { FileLayout } from '../../../../src/stages/ingest/spark/compile.js';

const layout = (overrides: Partial<FileLayout> = {}): FileLayout => ({
  format: 'csv',
  columns: IRIS_SCHEMA.columns.map((column) => column.name),
  extras: [],
  headerFields: 5,
  corruptColumn: true,
  onExtraColumns: 'rescue',
  sourceFile: 'file:///landing/a.csv',
  ingestedAt: 1_750_000_000_123,
  ...overrides,
});

describe('the schema checks compiled to Spark SQL', () => {
  it('uses the local coercion rules: the compiled number patterns accept exactly what coerceText accepts', () => {
    const double: IngestColumn = { name: 'x', type: 'double', nullable: true };
    const bigint: IngestColumn = { name: 'n', type: 'bigint', nullable: true };
    const texts = ['5.1', '-2', '+3.', '.5', '1e-3', '1E+10', '0x1A', 'NaN', 'Infinity', '1,000', '4.0', '1e3', 'abc', '--1', '5.1.2', '12', '-7', ' 5'];
    const decimal = new RegExp(DECIMAL_PATTERN);
    const integer = new RegExp(INTEGER_PATTERN);
    for (const text of texts) {
      expect(decimal.test(text), text).toBe(coerceText(double, text, true).ok);
      expect(integer.test(text), text).toBe(coerceText(bigint, text, true).ok);
    }
  });

  it('types each column with try_cast and gives every failing check its local reason text', () => {
    const schema = parseSchema("id BIGINT NOT NULL, n INT, score DOUBLE NOT NULL, label STRING NOT NULL IN ('yes', 'no')");
    const select = checkedSelect(schema, layout({ columns: ['id', 'n', 'score', 'label'], headerFields: 4 }));
    expect(select.slice(0, 4)).toEqual([
      "CASE WHEN (`id` IS NULL OR `id` = '') THEN NULL ELSE try_cast(`id` AS BIGINT) END AS `id`",
      "CASE WHEN (`n` IS NULL OR `n` = '') THEN NULL ELSE try_cast(`n` AS INT) END AS `n`",
      "CASE WHEN (`score` IS NULL OR `score` = '') THEN NULL ELSE try_cast(`score` AS DOUBLE) END AS `score`",
      '`label` AS `label`',
    ]);
    const reason = select.find((item) => item.endsWith(' AS _reason'))!;
    expect(reason).toContain("CASE WHEN (`id` IS NULL OR `id` = '') THEN 'id is empty' END");
    expect(reason).not.toContain("'n is empty'");
    expect(reason).toContain("' is out of the 32-bit range'");
    expect(reason).toContain("' is out of the 64-bit range'");
    expect(reason).toContain("' is out of the float64 range'");
    expect(reason).toContain("`label` NOT IN ('yes', 'no') THEN concat('label ', regexp_extract(to_json(array(`label`)), '^\\\\[(.*)\\\\]$', 1), ' is not one of yes, no')");
    expect(reason).toContain("WHEN `_corrupt_record` IS NOT NULL THEN concat('expected 4 fields, found ', size(split(regexp_replace(`_corrupt_record`, '\"[^\"]*\"', ''), ',', -1)))");
    expect(select).toContain("'file:///landing/a.csv' AS _source_file");
    // The instant in an array literal indexed by a column: Spark keeps it out of its generated code (see sparkInstant).
    expect(select).toContain('ARRAY(TIMESTAMP_MILLIS(1750000000123), TIMESTAMP_MILLIS(1750000000123))[CAST(ISNULL(`id`) AS INT)] AS _ingested_at');
    expect(select.at(-1)).toBe('coalesce(`_corrupt_record`, to_json(struct(`id`, `n`, `score`, `label`))) AS _raw');
  });

  it('a nullable column absent from the file is NULL; NOT NULL says "is null" for JSON Lines and Parquet', () => {
    const schema = parseSchema('a DOUBLE NOT NULL, b STRING');
    const json = checkedSelect(schema, layout({ format: 'jsonl', columns: ['a'] }));
    expect(json[1]).toBe('CAST(NULL AS STRING) AS `b`');
    expect(json.find((item) => item.endsWith(' AS _reason'))).toContain("THEN 'a is null' END");
    expect(json.find((item) => item.endsWith(' AS _reason'))).toContain("'not valid JSON: the line is not a JSON object'");
    const parquet = checkedSelect(schema, layout({ format: 'parquet', columns: ['a', 'b'], corruptColumn: false }));
    expect(parquet.join('\n')).not.toContain('_corrupt_record');
    expect(parquet.at(-1)).toBe('to_json(struct(`a`, `b`)) AS _raw');
  });

  it('rescues extra columns as a JSON object of the non-empty ones; on_extra_columns=fail makes them a JSON Lines row reason', () => {
    const rescued = checkedSelect(IRIS_SCHEMA, layout({ columns: [...layout().columns, 'note'], extras: ['note'] }));
    expect(rescued).toContain("nullif(to_json(map_filter(map('note', CAST(`note` AS STRING)), (k, v) -> v IS NOT NULL AND v <> '')), '{}') AS _rescued_data");
    const strict = checkedSelect(IRIS_SCHEMA, layout({ format: 'jsonl', extras: ['note'], onExtraColumns: 'fail' }));
    expect(strict.find((item) => item.endsWith(' AS _reason'))).toContain("' (on_extra_columns is fail)'");
    expect(checkedSelect(IRIS_SCHEMA, layout())).toContain('CAST(NULL AS STRING) AS _rescued_data');
  });

  it('quotes identifiers and strings so no name or value can end the SQL text', () => {
    expect(quoteIdentifier('odd `name`')).toBe('`odd ``name```');
    expect(sqlString("it's a \\ path")).toBe("'it''s a \\\\ path'");
    expect(stringReadDdl(['a', 'b c'])).toBe('`a` STRING, `b c` STRING, `_corrupt_record` STRING');
    const select = checkedSelect(parseSchema("`we'ird` STRING IN ('o''k')"), layout({ columns: ["we'ird"], sourceFile: "file:///it's.csv" }));
    expect(select).toContain("'file:///it''s.csv' AS _source_file");
    expect(select.join('\n')).toContain("NOT IN ('o''k')");
  });
});

describe('the tables and their attempts', () => {
  it('creates both tables partitioned by attempt, with the schema types and the added columns', () => {
    expect(ingestedTableDdl('spark_catalog.s.t', parseSchema('a DOUBLE NOT NULL, b BIGINT, c INT, d STRING'), 'parquet')).toBe(
      'CREATE TABLE IF NOT EXISTS spark_catalog.s.t (`a` DOUBLE, `b` BIGINT, `c` INT, `d` STRING, _rescued_data STRING, _source_file STRING, _ingested_at TIMESTAMP, _ingest_attempt STRING) USING parquet PARTITIONED BY (_ingest_attempt)',
    );
    expect(quarantineTableDdl('c.s.t_quarantine', 'delta')).toBe(
      'CREATE TABLE IF NOT EXISTS c.s.t_quarantine (raw_record STRING, _source_file STRING, row_number BIGINT, reason STRING, _ingested_at TIMESTAMP, _ingest_attempt STRING) USING delta PARTITIONED BY (_ingest_attempt)',
    );
  });

  it('writes good and quarantined rows in the tables\' column order with the attempt last', () => {
    expect(goodRowsSelect(parseSchema('a DOUBLE'), 'a.0123')).toEqual(['`a`', '`_rescued_data`', '`_source_file`', '`_ingested_at`', "'a.0123' AS _ingest_attempt"]);
    expect(quarantinedRowsSelect('a.0123')).toEqual(['_raw AS raw_record', '_source_file', 'CAST(NULL AS BIGINT) AS row_number', '_reason AS reason', '_ingested_at', "'a.0123' AS _ingest_attempt"]);
    expect(wholeFileQuarantineSql('c.s.q', 'file:///x.csv', 'bad header', 5, 'x.1')).toBe(
      "INSERT INTO c.s.q PARTITION (_ingest_attempt = 'x.1') SELECT CAST(NULL AS STRING), 'file:///x.csv', CAST(NULL AS BIGINT), 'bad header', timestamp_millis(5)",
    );
  });

  it('removes an attempt by dropping its partition, or by DELETE on Delta', () => {
    expect(dropAttemptSql('c.s.t', 'a.1', 'parquet')).toBe("ALTER TABLE c.s.t DROP IF EXISTS PARTITION (_ingest_attempt = 'a.1')");
    expect(dropAttemptSql('c.s.t', 'a.1', 'Delta')).toBe("DELETE FROM c.s.t WHERE _ingest_attempt = 'a.1'");
  });

  it('names an attempt\'s rows in the ledger and reads the name back', () => {
    const output = sparkOutput('main.iris.raw', 'a.0123456789abcdef');
    expect(output).toBe('spark-table:main.iris.raw/_ingest_attempt=a.0123456789abcdef');
    expect(parseSparkOutput(output)).toEqual({ table: 'main.iris.raw', attempt: 'a.0123456789abcdef' });
    expect(parseSparkOutput('/Volumes/main/iris/vol/ingested/x.parquet')).toBeUndefined();
  });
});

describe('attemptTag', () => {
  it('gives each attempt its own operation tag, the same from the same name, without the comma Spark refuses in a tag', () => {
    const tag = attemptTag('a,b.csv.0123456789abcdef');
    expect(tag).toMatch(/^mlops-ingest-[0-9a-f]{32}$/);
    expect(attemptTag('a,b.csv.0123456789abcdef')).toBe(tag);
    expect(attemptTag('a,b.csv.0123456789abcdee')).not.toBe(tag);
  });
});
