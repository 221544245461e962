import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors.js';
import { acquirePidLock, isProcessAlive, localLockFile, type LockFile, type PidLockOptions } from '../../src/io/pid-lock.js';
import { rejectedMlopsError } from '../helpers/errors.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

interface Holder {
  pid: number;
  owner: string;
}

function options(owner: string, overrides: Partial<PidLockOptions<Holder>> = {}): PidLockOptions<Holder> {
  return {
    me: { pid: process.pid, owner },
    attempts: 2,
    parseHolder: (value) => (typeof (value as Partial<Holder> | null)?.pid === 'number' ? (value as Holder) : undefined),
    isAbandoned: (holder) => !isProcessAlive(holder.pid),
    heldBy: (holder) => new MlopsError('LOCKED', `held by ${holder.owner} (pid ${holder.pid})`),
    gaveUp: () => new MlopsError('LOCKED', 'gave up'),
    ...overrides,
  };
}

/** The pid of a process that has just exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}

describe('isProcessAlive', () => {
  it('is true for this process and false for one that exited', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(deadPid())).toBe(false);
  });
});

describe('acquirePidLock on a local lock file', () => {
  it('writes the holder record, refuses a second owner while the first is alive, and lets it in after removal', async () => {
    const path = join(await tempDir(), 'test.lock');
    const file = localLockFile(path);
    await acquirePidLock(file, options('first'));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ pid: process.pid, owner: 'first' });
    const error = await rejectedMlopsError(acquirePidLock(file, options('second')), 'LOCKED');
    expect(error.message).toBe(`held by first (pid ${process.pid})`);
    await file.remove();
    await acquirePidLock(file, options('second'));
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ owner: 'second' });
  });

  it('takes over a lock whose owner died, and one that is unreadable or not a holder record', async () => {
    const path = join(await tempDir(), 'test.lock');
    for (const left of [JSON.stringify({ pid: deadPid(), owner: 'crashed' }), '{"pid": 12', 'null']) {
      await writeFile(path, left);
      await acquirePidLock(localLockFile(path), options('next'));
      expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ owner: 'next' });
    }
  });

  it('asks isAbandoned about a live holder, so a caller can also expire old locks', async () => {
    const path = join(await tempDir(), 'test.lock');
    await writeFile(path, JSON.stringify({ pid: process.pid, owner: 'old' }));
    await acquirePidLock(localLockFile(path), options('new', { isAbandoned: (holder) => holder.owner === 'old' }));
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ owner: 'new' });
  });

  it('passes on errors other than "already exists" from creating the file', async () => {
    const path = join(await tempDir(), 'missing-folder', 'test.lock');
    await expect(acquirePidLock(localLockFile(path), options('me'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('acquirePidLock when every attempt loses the race', () => {
  it('stops after `attempts` takeovers with the gaveUp error', async () => {
    // A lock file some other process recreates as soon as it is removed.
    let creates = 0;
    const contested: LockFile = {
      createIfAbsent: async () => {
        creates += 1;
        return false;
      },
      read: async () => JSON.stringify({ pid: deadPid(), owner: 'racer' }),
      remove: async () => undefined,
    };
    const error = await rejectedMlopsError(acquirePidLock(contested, options('me', { attempts: 3 })), 'LOCKED');
    expect(error.message).toBe('gave up');
    expect(creates).toBe(3);
  });
});
