import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { acquireCheckpointLock } from '../../../src/stages/ingest/checkpoint-lock.js';
import { LocalVolumeStore } from '../../../src/workspace/local/volumes.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const CHECKPOINT = '/Volumes/c/s/v/checkpoints';
const LOCK = `${CHECKPOINT}/_ingest.lock`;

describe('acquireCheckpointLock', () => {
  it('lets one holder in at a time and lets the next in after release', async () => {
    const volumes = new LocalVolumeStore({ root: await tempDir() });
    const release = await acquireCheckpointLock(volumes, CHECKPOINT, 'first', Date.now);
    await expect(acquireCheckpointLock(volumes, CHECKPOINT, 'second', Date.now)).rejects.toMatchObject({
      code: 'LOCKED',
      message: expect.stringMatching(new RegExp(`^Another ingestion \\(first, pid ${process.pid} on ${hostname()}, since .*\\) holds ${LOCK}; wait for it to finish$`)),
    });
    await release();
    expect(await volumes.exists(LOCK)).toBe(false);
    await (await acquireCheckpointLock(volumes, CHECKPOINT, 'second', Date.now))();
  });

  it('takes over a lock left by a process on this machine that died', async () => {
    const volumes = new LocalVolumeStore({ root: await tempDir() });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await volumes.write(LOCK, JSON.stringify({ owner: 'crashed', pid: Number(dead), host: hostname(), acquired_at: Date.now() }));
    const release = await acquireCheckpointLock(volumes, CHECKPOINT, 'next', Date.now);
    expect(JSON.parse(new TextDecoder().decode(await volumes.read(LOCK))).owner).toBe('next');
    await release();
  });

  it('waits for a lock held on another machine until it is six hours old', async () => {
    const volumes = new LocalVolumeStore({ root: await tempDir() });
    const now = Date.now();
    await volumes.write(LOCK, JSON.stringify({ owner: 'remote', pid: 1, host: 'another-host', acquired_at: now - 60_000 }));
    await expect(acquireCheckpointLock(volumes, CHECKPOINT, 'me', () => now)).rejects.toMatchObject({ code: 'LOCKED' });
    await (await acquireCheckpointLock(volumes, CHECKPOINT, 'me', () => now + 7 * 3_600_000))();
  });

  it('treats an unreadable lock file as abandoned', async () => {
    const volumes = new LocalVolumeStore({ root: await tempDir() });
    await volumes.write(LOCK, '{"owner": "half-writ');
    await (await acquireCheckpointLock(volumes, CHECKPOINT, 'me', Date.now))();
  });
});
