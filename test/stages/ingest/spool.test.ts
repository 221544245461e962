import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalSource } from '../../../src/sources/local.js';
import { hashSourceFile, spoolToDisk } from '../../../src/stages/ingest/spool.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('spoolToDisk', () => {
  it('copies a source file to local disk chunk by chunk while hashing it, and removes the copy on request', async () => {
    const dir = await tempDir();
    const content = Buffer.alloc(3 * 1024 + 5, 7);
    await writeFile(path.join(dir, 'f.parquet'), content);
    const source = new LocalSource({ root: dir, chunkSize: 1024 });
    const [file] = await (async () => {
      const files = [];
      for await (const listed of source.list()) files.push(listed);
      return files;
    })();
    const spooled = await spoolToDisk(source, file!, {}, await tempDir());
    expect(path.extname(spooled.path)).toBe('.parquet');
    expect((await readFile(spooled.path)).equals(content)).toBe(true);
    expect(spooled.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(await hashSourceFile(source, file!, {})).toBe(spooled.sha256);
    await spooled.remove();
    await expect(stat(spooled.path)).rejects.toThrow();
  });
});
