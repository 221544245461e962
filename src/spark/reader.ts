import { relationFrame, type DataFrame } from './dataframe.js';
import type { PlanSession } from './plan-session.js';
import { collectOptions, type OptionValue } from './options.js';

/** spark.read: loads tables and files lazily, as PySpark's DataFrameReader. */
export class DataFrameReader {
  readonly #session: PlanSession;
  #format: string | undefined;
  #schema: string | undefined;
  readonly #options: Record<string, string> = {};

  constructor(session: PlanSession) {
    this.#session = session;
  }

  format(source: string): this {
    this.#format = source;
    return this;
  }

  /** The schema as Spark DDL: 'id BIGINT, name STRING'. */
  schema(ddl: string): this {
    this.#schema = ddl;
    return this;
  }

  option(key: string, value: OptionValue): this {
    collectOptions(this.#options, { [key]: value });
    return this;
  }

  options(options: Record<string, OptionValue>): this {
    collectOptions(this.#options, options);
    return this;
  }

  /** Files at one path or several (or what the format's options name). Nothing is read until an action. */
  load(paths?: string | string[]): DataFrame {
    const list = paths === undefined ? [] : Array.isArray(paths) ? paths : [paths];
    return relationFrame(this.#session, {
      case: 'read',
      value: {
        readType: {
          case: 'dataSource',
          value: {
            ...(this.#format !== undefined ? { format: this.#format } : {}),
            ...(this.#schema !== undefined ? { schema: this.#schema } : {}),
            options: { ...this.#options },
            paths: list,
            predicates: [],
          },
        },
        isStreaming: false,
      },
    });
  }

  table(name: string): DataFrame {
    return relationFrame(this.#session, {
      case: 'read',
      value: { readType: { case: 'namedTable', value: { unparsedIdentifier: name, options: { ...this.#options } } }, isStreaming: false },
    });
  }

  parquet(...paths: string[]): DataFrame {
    return this.format('parquet').load(paths);
  }

  csv(paths: string | string[]): DataFrame {
    return this.format('csv').load(paths);
  }

  json(paths: string | string[]): DataFrame {
    return this.format('json').load(paths);
  }
}
