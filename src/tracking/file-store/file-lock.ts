import { open, rm, stat } from 'node:fs/promises';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { errnoCode } from '../../io/fs-errors.js';
import { ioError } from './disk.js';

export interface FileLockOptions {
  /** A lock file older than this is taken to be left by a crashed process and removed. */
  staleMs?: number;
  /** Give up (LOCKED) after waiting this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `task` while holding `path` as a lock file, created exclusively, so that processes
 * sharing a store take turns at a check-then-create (like "is this experiment name free?").
 * A lock file is a plain file: MLflow lists folders only and never sees it.
 */
export async function withFileLock<T>(path: string, task: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  for (;;) {
    throwIfAborted(options.signal);
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid} ${new Date().toISOString()}\n`).finally(() => handle.close());
      break;
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw ioError('create the lock file', path, error);
    }
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && Date.now() - info.mtimeMs > staleMs) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new MlopsError('LOCKED', `Waited ${timeoutMs} ms for the lock file ${path}; another process holds it (remove it if no process does)`, { details: { file: path } });
    }
    await sleep(5 + Math.random() * 20);
  }
  try {
    return await task();
  } finally {
    await rm(path, { force: true });
  }
}
