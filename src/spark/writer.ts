import { MlopsError } from '../errors.js';
import type { CallOptions } from './client.js';
import type { Relation } from './gen/spark/connect/relations_pb.js';
import type { PlanSession } from './plan-session.js';

/** What a writer needs of the DataFrame it saves (a DataFrame is one). */
export interface WritableFrame {
  readonly session: PlanSession;
  readonly relation: Relation;
}
import type { MessageInitShape } from '@bufbuild/protobuf';
import { WriteOperation_SaveMode, WriteOperation_SaveTable_TableSaveMethod, type WriteOperationSchema } from './gen/spark/connect/commands_pb.js';
import { collectOptions, type OptionValue } from './options.js';

type SaveType = MessageInitShape<typeof WriteOperationSchema>['saveType'];

export type SaveMode = 'append' | 'overwrite' | 'error' | 'errorifexists' | 'ignore';

const SAVE_MODES: Record<SaveMode, WriteOperation_SaveMode> = {
  append: WriteOperation_SaveMode.APPEND,
  overwrite: WriteOperation_SaveMode.OVERWRITE,
  error: WriteOperation_SaveMode.ERROR_IF_EXISTS,
  errorifexists: WriteOperation_SaveMode.ERROR_IF_EXISTS,
  ignore: WriteOperation_SaveMode.IGNORE,
};

/** df.write: where and how a DataFrame is saved, as PySpark's DataFrameWriter. */
export class DataFrameWriter {
  readonly #df: WritableFrame;
  #mode: WriteOperation_SaveMode = WriteOperation_SaveMode.ERROR_IF_EXISTS;
  #format: string | undefined;
  #partitionBy: string[] = [];
  #sortBy: string[] = [];
  #bucketBy: { numBuckets: number; columns: string[] } | undefined;
  readonly #options: Record<string, string> = {};

  constructor(df: WritableFrame) {
    this.#df = df;
  }

  mode(mode: SaveMode): this {
    const value = SAVE_MODES[mode.toLowerCase() as SaveMode];
    if (value === undefined) throw new MlopsError('INVALID_ARGUMENT', `write.mode: unknown save mode ${JSON.stringify(mode)}; expected ${Object.keys(SAVE_MODES).join(', ')}`, {});
    this.#mode = value;
    return this;
  }

  format(source: string): this {
    this.#format = source;
    return this;
  }

  partitionBy(...columns: string[]): this {
    this.#partitionBy = columns;
    return this;
  }

  bucketBy(numBuckets: number, ...columns: string[]): this {
    this.#bucketBy = { numBuckets, columns };
    return this;
  }

  sortBy(...columns: string[]): this {
    this.#sortBy = columns;
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

  /** Saves as a table of the catalog (created, or per mode). */
  async saveAsTable(name: string, options: CallOptions = {}): Promise<void> {
    await this.#run({ case: 'table', value: { tableName: name, saveMethod: WriteOperation_SaveTable_TableSaveMethod.SAVE_AS_TABLE } }, options);
  }

  /** Appends to (or, with overwrite, replaces the rows of) an existing table, by column position. */
  async insertInto(name: string, overwrite?: boolean, options: CallOptions = {}): Promise<void> {
    if (overwrite !== undefined) this.#mode = overwrite ? WriteOperation_SaveMode.OVERWRITE : WriteOperation_SaveMode.APPEND;
    await this.#run({ case: 'table', value: { tableName: name, saveMethod: WriteOperation_SaveTable_TableSaveMethod.INSERT_INTO } }, options);
  }

  /** Saves files at a path (or where the format's options say). */
  async save(path?: string, options: CallOptions = {}): Promise<void> {
    await this.#run(path === undefined ? { case: undefined } : { case: 'path', value: path }, options);
  }

  async parquet(path: string, options: CallOptions = {}): Promise<void> {
    this.#format = 'parquet';
    await this.save(path, options);
  }

  async csv(path: string, options: CallOptions = {}): Promise<void> {
    this.#format = 'csv';
    await this.save(path, options);
  }

  async json(path: string, options: CallOptions = {}): Promise<void> {
    this.#format = 'json';
    await this.save(path, options);
  }

  async #run(saveType: SaveType, options: CallOptions): Promise<void> {
    const command = {
      commandType: {
        case: 'writeOperation' as const,
        value: {
          input: this.#df.relation,
          ...(this.#format !== undefined ? { source: this.#format } : {}),
          saveType,
          mode: this.#mode,
          partitioningColumns: this.#partitionBy,
          sortColumnNames: this.#sortBy,
          ...(this.#bucketBy ? { bucketBy: { numBuckets: this.#bucketBy.numBuckets, bucketColumnNames: this.#bucketBy.columns } } : {}),
          options: { ...this.#options },
        },
      },
    };
    await this.#df.session.runCommand(command, options);
  }
}
