import { open, readFile, rm, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MlopsError } from '../errors.js';

/**
 * One job at a time per local workspace: two pipelines racing over the same volume, ledger and
 * registry would interleave their stages. The lock file holds the owner's pid, so a lock left by
 * a process that died (kill -9) is noticed and taken over instead of blocking forever.
 */
export async function acquireWorkspaceLock(root: string, owner: string): Promise<() => Promise<void>> {
  const path = join(root, '.lock');
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid, owner, since: new Date().toISOString() }));
      await handle.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readHolder(path);
      if (holder && isAlive(holder.pid)) {
        throw new MlopsError('LOCKED', `The workspace ${root} is in use by ${holder.owner} (pid ${holder.pid}, since ${holder.since}); wait for it to finish`, {
          details: { lock: path, pid: holder.pid },
        });
      }
      await rm(path, { force: true });
    }
  }
  throw new MlopsError('LOCKED', `Could not take the workspace lock ${path}`, { details: { lock: path } });
}

interface Holder {
  pid: number;
  owner: string;
  since: string;
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Holder;
  } catch {
    return undefined; // unreadable or half-written by a process that died: treat as stale
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
