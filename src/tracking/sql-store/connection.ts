import { openMlflowDatabase, type Database } from './database.js';

/**
 * One database handle shared by a tracking store and a registry over the same file, opened on
 * first use (so a command that never touches tracking never loads the SQLite driver) and closed
 * once.
 */
export class SqliteConnection {
  readonly path: string;
  private handle: Database | undefined;
  private readonly done = new Set<string>();

  constructor(path: string) {
    this.path = path;
  }

  get db(): Database {
    this.handle ??= openMlflowDatabase(this.path);
    return this.handle;
  }

  /** Runs `task` the first time `key` is asked for on this connection (one-off set-up such as the Default experiment). */
  once(key: string, task: () => void): void {
    if (this.done.has(key)) return;
    task();
    this.done.add(key);
  }

  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  close(): void {
    this.handle?.close();
    this.handle = undefined;
    this.done.clear();
  }
}
