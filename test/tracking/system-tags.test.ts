import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitCommit, systemTags } from '../../src/tracking/system-tags.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('systemTags', () => {
  it('sets MLflow\'s source and user tags', async () => {
    const tags = await systemTags({ sourceName: 'mlops.yml', cwd: await tempDir(), user: 'ana' });
    expect(tags).toEqual({ 'mlflow.source.name': 'mlops.yml', 'mlflow.source.type': 'LOCAL', 'mlflow.user': 'ana' });
  });

  it('adds mlflow.source.git.commit inside a checkout, from a loose ref, looking upward', async () => {
    const repo = await tempDir();
    await mkdir(join(repo, '.git', 'refs', 'heads'), { recursive: true });
    await writeFile(join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(repo, '.git', 'refs', 'heads', 'main'), `${SHA}\n`);
    await mkdir(join(repo, 'sub', 'dir'), { recursive: true });
    const tags = await systemTags({ sourceName: 's', cwd: join(repo, 'sub', 'dir'), user: 'u' });
    expect(tags['mlflow.source.git.commit']).toBe(SHA);
  });

  it('reads packed refs and detached heads', async () => {
    const packed = await tempDir();
    await mkdir(join(packed, '.git'));
    await writeFile(join(packed, '.git', 'HEAD'), 'ref: refs/heads/dev\n');
    await writeFile(join(packed, '.git', 'packed-refs'), `# pack-refs with: peeled\n${SHA} refs/heads/dev\n`);
    expect(await gitCommit(packed)).toBe(SHA);
    const detached = await tempDir();
    await mkdir(join(detached, '.git'));
    await writeFile(join(detached, '.git', 'HEAD'), `${SHA}\n`);
    expect(await gitCommit(detached)).toBe(SHA);
  });
});
