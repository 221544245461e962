import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withFileLock } from '../../../src/tracking/file-store/file-lock.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('withFileLock', () => {
  it('lets one holder in at a time and removes the lock file afterwards', async () => {
    const lock = join(await tempDir(), '.test.lock');
    const events: string[] = [];
    const hold = (name: string) =>
      withFileLock(lock, async () => {
        events.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 30));
        events.push(`${name} out`);
      });
    await Promise.all([hold('a'), hold('b'), hold('c')]);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i]!.replace(' in', ' out'));
    await expect(withFileLock(lock, async () => 'free again')).resolves.toBe('free again');
  });

  it('takes over a lock file left by a crashed process, and gives up with LOCKED naming the file', async () => {
    const dir = await tempDir();
    const stale = join(dir, 'stale.lock');
    await writeFile(stale, '999999 long ago\n');
    await utimes(stale, new Date(0), new Date(0));
    await expect(withFileLock(stale, async () => 'taken over', { staleMs: 1_000 })).resolves.toBe('taken over');
    const busy = join(dir, 'busy.lock');
    await writeFile(busy, 'held\n');
    await expect(withFileLock(busy, async () => 'never', { timeoutMs: 50 })).rejects.toMatchObject({ code: 'LOCKED', message: expect.stringContaining(busy) });
  });
});
