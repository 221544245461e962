import { open, readFile, rm } from 'node:fs/promises';
import type { MlopsError } from '../errors.js';

/** Where a lock file lives: a file on local disk (localLockFile) or one on a volume (the ingestion checkpoint lock). */
export interface LockFile {
  /** Writes `text` as the lock file only if there is none yet; false when one already exists. */
  createIfAbsent(text: string): Promise<boolean>;
  /** The lock file's text. */
  read(): Promise<string>;
  /** Removes the lock file (to take over an abandoned one). */
  remove(): Promise<void>;
}

export interface PidLockOptions<Holder> {
  /** What this process records in the lock file (as JSON): at least its pid. */
  me: Holder;
  /** How many times to try to create the file; each try after the first follows a takeover. */
  attempts: number;
  /** The holder in a lock file's parsed JSON, or undefined when it is no usable record (then it counts as abandoned). */
  parseHolder(value: unknown): Holder | undefined;
  /** Whether the holder can no longer be holding the lock: its process is gone, or it is too old to wait for. */
  isAbandoned(holder: Holder): boolean;
  /** The error for a lock a live holder has. */
  heldBy(holder: Holder): MlopsError;
  /** The error when every attempt lost the race to create the file. */
  gaveUp(): MlopsError;
}

/**
 * Takes a lock file that records its owner's pid; resolves once this process holds it. A lock left by an
 * owner that died (kill -9) is noticed and taken over instead of blocking forever; one that is unreadable
 * or half-written (its owner died while writing it) counts as abandoned too.
 */
export async function acquirePidLock<Holder>(file: LockFile, options: PidLockOptions<Holder>): Promise<void> {
  const text = JSON.stringify(options.me);
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    if (await file.createIfAbsent(text)) return;
    const holder = await readHolder(file, options.parseHolder);
    if (holder !== undefined && !options.isAbandoned(holder)) throw options.heldBy(holder);
    await file.remove();
  }
  throw options.gaveUp();
}

async function readHolder<Holder>(file: LockFile, parseHolder: (value: unknown) => Holder | undefined): Promise<Holder | undefined> {
  try {
    return parseHolder(JSON.parse(await file.read()));
  } catch {
    return undefined; // unreadable or half-written by a process that died: treat as abandoned
  }
}

/** Whether a process with this pid runs on this machine (EPERM: it does, but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock file on local disk, created exclusively (O_EXCL) so that of two racing processes only one wins. */
export function localLockFile(path: string): LockFile {
  return {
    async createIfAbsent(text) {
      let handle;
      try {
        handle = await open(path, 'wx');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
      }
      try {
        await handle.writeFile(text);
      } finally {
        await handle.close();
      }
      return true;
    },
    read: () => readFile(path, 'utf8'),
    remove: () => rm(path, { force: true }),
  };
}
