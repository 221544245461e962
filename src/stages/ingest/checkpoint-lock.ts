import { hostname } from 'node:os';
import { MlopsError } from '../../errors.js';
import { acquirePidLock, isProcessAlive, type LockFile } from '../../io/pid-lock.js';
import type { CallOptions, VolumeStore } from '../../workspace/types.js';
import { joinVolumePath } from './output.js';

export const LOCK_FILE_NAME = '_ingest.lock';
/** A lock held by another machine is considered abandoned after this long (its owner cannot be probed). */
const FOREIGN_LOCK_EXPIRY_MS = 6 * 60 * 60 * 1000;

interface Holder {
  owner: string;
  pid: number;
  host: string;
  acquired_at: number;
}

/**
 * One ingestion at a time per checkpoint: a second one would take the first's pending attempts for a
 * crash and delete its outputs. The lock is a file next to the ledger, created only if absent; a lock
 * left by a process that died (kill -9) on this machine is taken over, one from another machine after
 * six hours. Returns the release function.
 */
export async function acquireCheckpointLock(volumes: VolumeStore, checkpointPath: string, owner: string, now: () => number, call: CallOptions = {}): Promise<() => Promise<void>> {
  const path = joinVolumePath(checkpointPath, LOCK_FILE_NAME);
  await acquirePidLock<Holder>(volumeLockFile(volumes, path, call), {
    me: { owner, pid: process.pid, host: hostname(), acquired_at: now() },
    attempts: 3,
    parseHolder: (value) => {
      const holder = value as Partial<Holder> | null;
      return typeof holder?.pid === 'number' && typeof holder.host === 'string' && typeof holder.acquired_at === 'number' ? (holder as Holder) : undefined;
    },
    isAbandoned: (holder) => isAbandoned(holder, now()),
    heldBy: (holder) =>
      new MlopsError(
        'LOCKED',
        `Another ingestion (${holder.owner}, pid ${holder.pid} on ${holder.host}, since ${new Date(holder.acquired_at).toISOString()}) holds ${path}; wait for it to finish`,
        { details: { lock: path, pid: holder.pid, host: holder.host } },
      ),
    gaveUp: () => new MlopsError('LOCKED', `Could not take the ingestion lock ${path}`, { details: { lock: path } }),
  });
  return async () => {
    await volumes.delete(path).catch(() => undefined);
  };
}

function volumeLockFile(volumes: VolumeStore, path: string, call: CallOptions): LockFile {
  return {
    async createIfAbsent(text) {
      try {
        await volumes.write(path, text, { ...call, overwrite: false });
        return true;
      } catch (error) {
        if (error instanceof MlopsError && error.code === 'ALREADY_EXISTS') return false;
        throw error;
      }
    },
    read: async () => new TextDecoder().decode(await volumes.read(path, call)),
    remove: () => volumes.delete(path, call),
  };
}

function isAbandoned(holder: Holder, now: number): boolean {
  if (holder.host === hostname()) return !isProcessAlive(holder.pid);
  return now - holder.acquired_at > FOREIGN_LOCK_EXPIRY_MS;
}
