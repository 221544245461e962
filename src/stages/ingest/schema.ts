import { MlopsError } from '../../errors.js';

export type IngestColumnType = 'double' | 'bigint' | 'int' | 'string';

export interface IngestColumn {
  name: string;
  type: IngestColumnType;
  /** false: a missing or empty value sends the row to quarantine. */
  nullable: boolean;
  /** For a string column, the only values accepted (exact, case-sensitive); anything else is quarantined. */
  allowed?: readonly string[];
  /** LABEL: the class a model learns to predict; EXCLUDE: ingested but kept out of the model (an id, a date). */
  role?: 'label' | 'exclude';
}

/** What the landing files must contain. A value, read from the `schema` job parameter. */
export interface IngestSchema {
  /** Used in messages, e.g. "the Iris schema". */
  name: string;
  columns: readonly IngestColumn[];
}

export const IRIS_CLASSES = ['setosa', 'versicolor', 'virginica'] as const;

/** The default: the Iris data set's four measurements and its class. */
export const IRIS_SCHEMA_DDL =
  "sepal_length DOUBLE NOT NULL, sepal_width DOUBLE NOT NULL, petal_length DOUBLE NOT NULL, petal_width DOUBLE NOT NULL, species STRING NOT NULL IN ('setosa', 'versicolor', 'virginica')";

export const IRIS_SCHEMA: IngestSchema = {
  name: 'Iris',
  columns: [
    { name: 'sepal_length', type: 'double', nullable: false },
    { name: 'sepal_width', type: 'double', nullable: false },
    { name: 'petal_length', type: 'double', nullable: false },
    { name: 'petal_width', type: 'double', nullable: false },
    { name: 'species', type: 'string', nullable: false, allowed: IRIS_CLASSES },
  ],
};

/** Columns every ingested file gets besides the schema's; a schema may not use these names. */
export const RESERVED_COLUMNS = ['_rescued_data', '_source_file', '_ingested_at'] as const;

const TYPE_NAMES: Record<string, IngestColumnType> = {
  double: 'double',
  float64: 'double',
  bigint: 'bigint',
  long: 'bigint',
  int64: 'bigint',
  int: 'int',
  integer: 'int',
  int32: 'int',
  string: 'string',
  varchar: 'string',
  text: 'string',
};

/**
 * Reads the `schema` job parameter: '' (or "iris") means the Iris schema; otherwise SQL-like column
 * definitions separated by commas, each `name TYPE [NOT NULL] [IN ('a', 'b', …)]`, e.g.
 * `id BIGINT NOT NULL, score DOUBLE, label STRING IN ('yes', 'no')`. Types: DOUBLE, BIGINT, INT, STRING
 * (and aliases FLOAT64, LONG, INT64, INTEGER, INT32, VARCHAR, TEXT). Columns are nullable unless NOT NULL.
 * Names may be `back-quoted` to hold spaces or punctuation.
 */
export function parseSchema(text: string | undefined): IngestSchema {
  const source = (text ?? '').trim();
  if (source === '' || source.toLowerCase() === 'iris') return IRIS_SCHEMA;
  const tokens = tokenize(source);
  const columns: IngestColumn[] = [];
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const fail = (expected: string): never => {
    const found = peek();
    throw new MlopsError(
      'CONFIG_INVALID',
      `Job parameter "schema": expected ${expected} at ${found === undefined ? 'the end' : `"${found.text}" (character ${found.offset + 1})`} in ${JSON.stringify(source)}`,
      { details: { parameter: 'schema', found: found?.text ?? null } },
    );
  };
  const keyword = (word: string): boolean => {
    const token = peek();
    if (token?.kind === 'word' && token.text.toLowerCase() === word) {
      at++;
      return true;
    }
    return false;
  };

  for (;;) {
    const nameToken = peek();
    if (nameToken === undefined || (nameToken.kind !== 'word' && nameToken.kind !== 'quoted-name')) fail('a column name');
    at++;
    const name = nameToken!.text;
    const typeToken = peek();
    const type = typeToken?.kind === 'word' ? TYPE_NAMES[typeToken.text.toLowerCase()] : undefined;
    if (type === undefined) fail(`a type for column "${name}" (DOUBLE, BIGINT, INT or STRING)`);
    at++;
    const column: IngestColumn = { name, type: type!, nullable: true };
    for (;;) {
      if (keyword('not')) {
        if (!keyword('null')) fail('NULL after NOT');
        column.nullable = false;
      } else if (keyword('null')) {
        column.nullable = true;
      } else if (keyword('in')) {
        if (column.type !== 'string') fail(`a comma: IN (…) is only for STRING columns, and "${name}" is ${column.type.toUpperCase()}`);
        if (peek()?.text !== '(') fail('( after IN');
        at++;
        const allowed: string[] = [];
        for (;;) {
          const value = peek();
          if (value === undefined || (value.kind !== 'string' && value.kind !== 'word')) fail(`a quoted value in the IN list of "${name}"`);
          allowed.push(value!.text);
          at++;
          if (peek()?.text === ',') at++;
          else if (peek()?.text === ')') {
            at++;
            break;
          } else fail(', or ) in the IN list');
        }
        column.allowed = allowed;
      } else if (keyword('label')) {
        if (column.role !== undefined) fail(`one of LABEL or EXCLUDE on "${name}", not both`);
        column.role = 'label';
      } else if (keyword('exclude')) {
        if (column.role !== undefined) fail(`one of LABEL or EXCLUDE on "${name}", not both`);
        column.role = 'exclude';
      } else break;
    }
    columns.push(column);
    if (peek() === undefined) break;
    if (peek()?.text !== ',') fail('a comma or the end');
    at++;
  }

  const names = columns.map((column) => column.name);
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (repeated.length > 0) {
    throw new MlopsError('CONFIG_INVALID', `Job parameter "schema" names ${[...new Set(repeated)].join(', ')} more than once`, { details: { parameter: 'schema' } });
  }
  const reserved = names.filter((name) => (RESERVED_COLUMNS as readonly string[]).includes(name));
  if (reserved.length > 0) {
    throw new MlopsError('CONFIG_INVALID', `Job parameter "schema" uses ${reserved.join(', ')}, which ingestion adds itself (${RESERVED_COLUMNS.join(', ')})`, {
      details: { parameter: 'schema' },
    });
  }
  const labels = columns.filter((column) => column.role === 'label').map((column) => column.name);
  if (labels.length > 1) {
    throw new MlopsError('CONFIG_INVALID', `Job parameter "schema" marks ${labels.join(', ')} as LABEL; expected one label column`, { details: { parameter: 'schema' } });
  }
  const schema: IngestSchema = { name: 'configured', columns };
  // The Iris definition written out (as mlops.yml does) is still "the Iris schema" in messages.
  return formatSchema(schema) === IRIS_SCHEMA_DDL ? IRIS_SCHEMA : schema;
}

/** The schema as the DDL text parseSchema reads (for run parameters and messages). */
export function formatSchema(schema: IngestSchema): string {
  return schema.columns
    .map((column) => {
      const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(column.name) ? column.name : `\`${column.name.replaceAll('`', '``')}\``;
      const allowed = column.allowed === undefined ? '' : ` IN (${column.allowed.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ')})`;
      const role = column.role === undefined ? '' : ` ${column.role.toUpperCase()}`;
      return `${name} ${column.type.toUpperCase()}${column.nullable ? '' : ' NOT NULL'}${allowed}${role}`;
    })
    .join(', ');
}

/** What a model trained on data of this schema reads: the label column and the feature columns. */
export interface ModelColumns {
  label: IngestColumn;
  features: IngestColumn[];
}

/**
 * The label is the column marked LABEL; a schema without one (as written before LABEL existed)
 * uses its one `IN (…)` column. Every other column is a feature unless marked EXCLUDE. A problem is
 * CONFIG_INVALID naming the schema parameter.
 */
export function modelColumns(schema: IngestSchema): ModelColumns {
  const fail = (why: string): never => {
    throw new MlopsError('CONFIG_INVALID', `Job parameter "schema": ${why}`, { details: { parameter: 'schema' } });
  };
  const marked = schema.columns.filter((column) => column.role === 'label');
  const withIn = schema.columns.filter((column) => column.allowed !== undefined);
  const label = marked[0] ?? (withIn.length === 1 ? withIn[0] : undefined);
  if (label === undefined) {
    fail(
      withIn.length === 0
        ? 'no label column: mark the class column with LABEL, e.g. "species STRING NOT NULL LABEL"'
        : `no LABEL and ${withIn.length} IN (…) columns (${withIn.map((c) => c.name).join(', ')}): mark the class column with LABEL`,
    );
  }
  if (label!.type !== 'string') fail(`the label column "${label!.name}" must be STRING, found ${label!.type.toUpperCase()}`);
  const features = schema.columns.filter((column) => column !== label && column.role !== 'exclude');
  if (features.length === 0) fail(`no feature columns besides the label "${label!.name}"`);
  return { label: label!, features };
}

interface Token {
  kind: 'word' | 'quoted-name' | 'string' | 'punct';
  text: string;
  offset: number;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === ',' || c === '(' || c === ')') {
      tokens.push({ kind: 'punct', text: c, offset: i++ });
    } else if (c === "'" || c === '"' || c === '`') {
      // Quotes are escaped by doubling them, as in SQL.
      const start = i++;
      let text = '';
      for (;;) {
        if (i >= source.length) {
          throw new MlopsError('CONFIG_INVALID', `Job parameter "schema": the quote opened at character ${start + 1} is never closed in ${JSON.stringify(source)}`, {
            details: { parameter: 'schema' },
          });
        }
        if (source[i] === c) {
          if (source[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += source[i++];
      }
      tokens.push({ kind: c === '`' ? 'quoted-name' : 'string', text, offset: start });
    } else {
      const start = i;
      while (i < source.length && !/[\s,()'"`]/.test(source[i]!)) i++;
      tokens.push({ kind: 'word', text: source.slice(start, i), offset: start });
    }
  }
  return tokens;
}

/** Where each schema column is in a file's columns (-1 when a nullable one is absent), and the extra columns. */
export interface ColumnMatch {
  positions: number[];
  extras: { name: string; position: number }[];
}

/**
 * Matches a file's column names (a CSV header, a Parquet schema) to the schema, exactly and
 * case-sensitively after trimming spaces: every NOT NULL column must be there, each name once;
 * extra columns are kept for _rescued_data, or make the file bad with on_extra_columns=fail.
 * Returns the problem as text (the file is then quarantined whole) or the match.
 */
export function matchColumns(schema: IngestSchema, found: readonly string[], onExtraColumns: 'rescue' | 'fail'): ColumnMatch | string {
  const names = found.map((name) => name.trim());
  const expected = schema.columns.map((column) => column.name);
  const duplicates = [...new Set(names.filter((name, index) => names.indexOf(name) !== index))];
  const missing = schema.columns.filter((column) => !column.nullable && !names.includes(column.name)).map((column) => column.name);
  const extras = names.flatMap((name, position) => (expected.includes(name) ? [] : [{ name, position }]));
  const problems = [
    missing.length > 0 ? `missing ${missing.join(', ')}` : '',
    duplicates.length > 0 ? `repeated ${duplicates.join(', ')}` : '',
    onExtraColumns === 'fail' && extras.length > 0 ? `unexpected ${extras.map((extra) => extra.name).join(', ')} (on_extra_columns is fail)` : '',
  ].filter((problem) => problem !== '');
  if (problems.length > 0) {
    return `does not match the ${schema.name} schema (${problems.join('; ')}); expected ${expected.join(',')}; found ${names.join(',')}`;
  }
  return { positions: expected.map((name) => names.indexOf(name)), extras };
}
