import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MlopsError } from '../errors.js';
import { acquirePidLock, isProcessAlive, localLockFile } from '../io/pid-lock.js';

interface Holder {
  pid: number;
  owner: string;
  since: string;
}

/**
 * One job at a time per local workspace: two pipelines racing over the same volume, ledger and
 * registry would interleave their stages. The lock file holds the owner's pid, so a lock left by
 * a process that died (kill -9) is noticed and taken over instead of blocking forever.
 */
export async function acquireWorkspaceLock(root: string, owner: string): Promise<() => Promise<void>> {
  const path = join(root, '.lock');
  await mkdir(dirname(path), { recursive: true });
  const file = localLockFile(path);
  await acquirePidLock<Holder>(file, {
    me: { pid: process.pid, owner, since: new Date().toISOString() },
    attempts: 2,
    parseHolder: (value) => (typeof value === 'object' && value !== null ? (value as Holder) : undefined),
    isAbandoned: (holder) => !isProcessAlive(holder.pid),
    heldBy: (holder) =>
      new MlopsError('LOCKED', `The workspace ${root} is in use by ${holder.owner} (pid ${holder.pid}, since ${holder.since}); wait for it to finish`, {
        details: { lock: path, pid: holder.pid },
      }),
    gaveUp: () => new MlopsError('LOCKED', `Could not take the workspace lock ${path}`, { details: { lock: path } }),
  });
  return () => file.remove();
}
