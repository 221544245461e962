import { relationFrame } from './dataframe.js';
import type { CallOptions } from './client.js';
import type { PlanSession } from './plan-session.js';

/** A table or view as spark.catalog.listTables describes it. */
export interface CatalogTable {
  name: string;
  catalog: string | null;
  namespace: string[] | null;
  description: string | null;
  tableType: string;
  isTemporary: boolean;
}

/** spark.catalog: what tables and databases exist, as PySpark's Catalog. */
export class Catalog {
  readonly #session: PlanSession;

  constructor(session: PlanSession) {
    this.#session = session;
  }

  /** Whether a table or view exists: 'name', 'db.name' or 'catalog.db.name'. */
  async tableExists(tableName: string, dbName?: string, options: CallOptions = {}): Promise<boolean> {
    const rows = await relationFrame(this.#session, { case: 'catalog', value: { catType: { case: 'tableExists', value: { tableName, ...(dbName !== undefined ? { dbName } : {}) } } } })
      .collect(options);
    return Boolean(Object.values(rows[0] ?? {})[0]);
  }

  async databaseExists(dbName: string, options: CallOptions = {}): Promise<boolean> {
    const rows = await relationFrame(this.#session, { case: 'catalog', value: { catType: { case: 'databaseExists', value: { dbName } } } }).collect(options);
    return Boolean(Object.values(rows[0] ?? {})[0]);
  }

  /** Tables and views of a database (the current one by default), optionally matching a pattern. */
  async listTables(dbName?: string, pattern?: string, options: CallOptions = {}): Promise<CatalogTable[]> {
    const rows = await relationFrame(this.#session, {
        case: 'catalog',
        value: { catType: { case: 'listTables', value: { ...(dbName !== undefined ? { dbName } : {}), ...(pattern !== undefined ? { pattern } : {}) } } },
      })
      .collect(options);
    return rows.map((row) => ({
      name: String(row.name),
      catalog: (row.catalog as string | null) ?? null,
      namespace: row.namespace == null ? null : [...(row.namespace as Iterable<string>)].map(String),
      description: (row.description as string | null) ?? null,
      tableType: String(row.tableType),
      isTemporary: Boolean(row.isTemporary),
    }));
  }

  async currentDatabase(options: CallOptions = {}): Promise<string> {
    const rows = await relationFrame(this.#session, { case: 'catalog', value: { catType: { case: 'currentDatabase', value: {} } } }).collect(options);
    return String(Object.values(rows[0] ?? {})[0] ?? '');
  }

  async dropTempView(viewName: string, options: CallOptions = {}): Promise<boolean> {
    const rows = await relationFrame(this.#session, { case: 'catalog', value: { catType: { case: 'dropTempView', value: { viewName } } } }).collect(options);
    return Boolean(Object.values(rows[0] ?? {})[0]);
  }
}
