import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { throwIfAborted } from '../../errors.js';
import { toMlopsError } from '../../io/fs-errors.js';
import type { Source, SourceFile } from '../../sources/types.js';
import type { CallOptions } from '../../workspace/types.js';

/**
 * A remote file copied to local disk while hashing it, for readers that need random access (Parquet's
 * footer is at the end). Only the copy on disk holds the file, never memory. `remove` deletes it.
 */
export async function spoolToDisk(source: Source, file: SourceFile, call: CallOptions, directory = tmpdir()): Promise<{ path: string; sha256: string; remove: () => Promise<void> }> {
  const local = path.join(directory, `mlops-ingest-${randomUUID()}${path.extname(file.path)}`);
  const remove = () => fs.rm(local, { force: true });
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(local, 'wx');
    const hash = createHash('sha256');
    for await (const chunk of source.open(file, call)) {
      throwIfAborted(call.signal);
      hash.update(chunk);
      await handle.write(chunk);
    }
    return { path: local, sha256: hash.digest('hex'), remove };
  } catch (error) {
    await remove();
    throw toMlopsError(error, `copy ${source.fileUrl(file)} to ${local}`);
  } finally {
    await handle?.close();
  }
}

/** Reads a file through the source only to hash it (and to check it still matches the listing). */
export async function hashSourceFile(source: Source, file: SourceFile, call: CallOptions, hash: Hash = createHash('sha256')): Promise<string> {
  for await (const chunk of source.open(file, call)) hash.update(chunk);
  return hash.digest('hex');
}
