import { MlopsError } from '../../errors.js';
import { formatVolumePath, parseTableName, parseVolumePath } from '../local/paths.js';
import type { CallOptions } from '../types.js';
import { quoteIdentifier, quoteString } from './sql-types.js';
import type { StatementExecutor } from './statements.js';
import { qualified } from './tables.js';

export interface WarehouseScoringInput extends CallOptions {
  /** What to score: a Unity Catalog table (catalog.schema.table) or Parquet files in a volume. */
  input: { table: string } | { volumePath: string };
  /** The predictions table to create or replace (catalog.schema.table). */
  outputTable: string;
  /** The output columns computed in SQL, in order: name → a SQL expression over the input columns. */
  columns: readonly { name: string; expression: string }[];
  /** Input columns copied in front of the computed ones; default all of them. */
  passThrough?: readonly string[] | '*';
}

export interface WarehouseScoringResult {
  table: string;
  rows: number;
  statementId: string;
}

/**
 * Scores inside the SQL warehouse: one CREATE OR REPLACE TABLE <output> AS SELECT <input columns>,
 * <expression> AS <name>, … FROM <input>. The model never leaves Databricks and the predictions
 * table is replaced in one Delta commit. The expressions are expected to be the compiled model
 * (e.g. softmax probabilities and the predicted label); this function only assembles and runs
 * the statement.
 */
export async function scoreOnWarehouse(statements: StatementExecutor, input: WarehouseScoringInput): Promise<WarehouseScoringResult> {
  if (input.columns.length === 0) {
    throw new MlopsError('INVALID_ARGUMENT', `Scoring into ${input.outputTable} needs at least one computed column`, { details: { table: input.outputTable } });
  }
  const output = parseTableName(input.outputTable);
  const source =
    'table' in input.input
      ? qualified(parseTableName(input.input.table))
      : `read_files(${quoteString(formatVolumePath(parseVolumePath(input.input.volumePath)))}, format => 'parquet')`;
  const passThrough = input.passThrough ?? '*';
  const selected = [
    ...(passThrough === '*' ? ['*'] : passThrough.map(quoteIdentifier)),
    ...input.columns.map((column) => `${column.expression} AS ${quoteIdentifier(column.name)}`),
  ];
  const sql = `CREATE OR REPLACE TABLE ${qualified(output)} AS SELECT ${selected.join(', ')} FROM ${source}`;
  const result = await statements.execute(sql, input.signal ? { signal: input.signal } : {});
  const table = await statements.query(`SELECT COUNT(*) AS n FROM ${qualified(output)}`, input.signal ? { signal: input.signal } : {});
  const rows = Number(table.getChild('n')?.get(0) ?? 0);
  return { table: `${output.catalog}.${output.schema}.${output.table}`, rows, statementId: result.statementId };
}
