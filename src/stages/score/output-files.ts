import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { syncDirectory, TEMP_FILE_PREFIX, writeLocalFileAtomic } from '../../io/atomic-file.js';
import { errnoCode, toMlopsError } from '../../io/fs-errors.js';
import { FileSink, MemorySink, type ByteSink } from '../../io/parquet-writer.js';
import type { VolumeStore, WriteMode } from '../../workspace/types.js';

/** A file being written into the output; `close` once its last byte is written. */
export interface StagedFile {
  sink: ByteSink;
  close(): Promise<void>;
}

/**
 * The files of one output, written where readers cannot see them and published by `commit`.
 * Paths given to `create` are relative to the output folder; a single-file output has one file, ''.
 */
export interface StagedOutput {
  /** The output's final location, for messages and results. */
  readonly location: string;
  /** Whether a lost process could leave a half-written output visible (see the implementations). */
  readonly atomic: boolean;
  create(relativePath: string): Promise<StagedFile>;
  commit(): Promise<void>;
  /** Removes what was staged; the previous output stays as it was. */
  abort(): Promise<void>;
}

export interface StagedOutputOptions {
  /** One file (`.parquet` output_path) or a folder of part files. */
  layout: 'file' | 'folder';
  mode: WriteMode;
  /** Written into a folder output on commit: marks the folder as ours (see output-safety.ts). */
  marker?: { name: string; content: string };
  signal?: AbortSignal;
}

/**
 * On local disk everything is written into a hidden sibling (`.mlops-tmp-<name>.<id>`), fsynced,
 * then published by rename: a file replaces the old one in one rename; a folder on overwrite
 * swaps in with two renames (old → backup, new → target, then the backup is deleted) and a later
 * run puts a backup left by a crash between them back first; on append each new part is renamed
 * in. A crash before commit leaves the previous output untouched (the hidden leftovers are skipped
 * by readers of this library and by Spark, which ignore names starting with "." or "_").
 */
export async function stageLocalOutput(target: string, options: StagedOutputOptions): Promise<StagedOutput> {
  const parent = path.dirname(target);
  const base = path.basename(target);
  const id = randomUUID();
  const staging = path.join(parent, `${TEMP_FILE_PREFIX}${base}.${id}`);
  try {
    await fs.mkdir(parent, { recursive: true });
    await recoverInterruptedSwap(target);
    const existing = await statOrUndefined(target);
    if (options.layout === 'folder' && options.mode === 'append' && existing !== undefined && !existing.isDirectory()) {
      throw new MlopsError('ALREADY_EXISTS', `Cannot append part files to ${target}: it is a file, not a folder`, { details: { path: target } });
    }
    if (options.layout === 'file' && existing?.isDirectory()) {
      throw new MlopsError('ALREADY_EXISTS', `Cannot write the Parquet file ${target}: a folder is in the way`, { details: { path: target } });
    }
    if (options.layout === 'folder') await fs.mkdir(staging);
  } catch (error) {
    throw toMlopsError(error, `prepare the output ${target}`);
  }
  const sinks: FileSink[] = [];
  const staged: string[] = [];
  return {
    location: target,
    atomic: options.layout === 'file' || options.mode === 'overwrite',
    async create(relativePath) {
      throwIfAborted(options.signal);
      const file = options.layout === 'file' ? staging : path.join(staging, relativePath);
      try {
        await fs.mkdir(path.dirname(file), { recursive: true });
      } catch (error) {
        throw toMlopsError(error, `create a folder for ${relativePath} in ${target}`);
      }
      const sink = await FileSink.create(file, options.layout === 'file' ? target : `${relativePath} in ${target}`);
      sinks.push(sink);
      staged.push(relativePath);
      return { sink, close: () => sink.close() };
    },
    async commit() {
      throwIfAborted(options.signal);
      try {
        if (options.layout === 'file') {
          await fs.rename(staging, target);
        } else if (options.mode === 'overwrite') {
          if (options.marker !== undefined) await writeLocalFileAtomic(path.join(staging, options.marker.name), options.marker.content);
          await syncTree(staging);
          await swapIn(staging, target, `${TEMP_FILE_PREFIX}${base}.old.${id}`);
        } else {
          await syncTree(staging);
          for (const relative of staged) {
            const destination = path.join(target, relative);
            await fs.mkdir(path.dirname(destination), { recursive: true });
            await fs.rename(path.join(staging, relative), destination);
          }
          if (options.marker !== undefined) await writeLocalFileAtomic(path.join(target, options.marker.name), options.marker.content);
          await fs.rm(staging, { recursive: true, force: true });
        }
        await syncDirectory(parent);
      } catch (error) {
        throw toMlopsError(error, `publish the output ${target}`);
      }
    },
    async abort() {
      await Promise.all(sinks.map((sink) => sink.close({ sync: false }).catch(() => undefined)));
      await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/** old → backup, staged → target, then the backup goes. */
async function swapIn(staging: string, target: string, backupName: string): Promise<void> {
  const backup = path.join(path.dirname(target), backupName);
  let movedAside = false;
  try {
    await fs.rename(target, backup);
    movedAside = true;
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  try {
    await fs.rename(staging, target);
  } catch (error) {
    if (movedAside) await fs.rename(backup, target).catch(() => undefined);
    throw error;
  }
  if (movedAside) await fs.rm(backup, { recursive: true, force: true });
}

/**
 * A crash between the two renames of an overwrite leaves no target and a backup of the previous
 * output: put the backup back so that the previous output is what this run starts from.
 */
async function recoverInterruptedSwap(target: string): Promise<void> {
  if ((await statOrUndefined(target)) !== undefined) return;
  const prefix = `${TEMP_FILE_PREFIX}${path.basename(target)}.old.`;
  let names: string[];
  try {
    names = await fs.readdir(path.dirname(target));
  } catch {
    return;
  }
  const backup = names.find((name) => name.startsWith(prefix));
  if (backup !== undefined) await fs.rename(path.join(path.dirname(target), backup), target);
}

async function syncTree(directory: string): Promise<void> {
  const entries = await fs.readdir(directory, { withFileTypes: true, recursive: true });
  for (const entry of entries) if (entry.isDirectory()) await syncDirectory(path.join(entry.parentPath, entry.name));
  await syncDirectory(directory);
}

async function statOrUndefined(file: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await fs.stat(file);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Through the VolumeStore interface (a remote volume), which has whole-file writes but no rename:
 * each file is collected in memory and written when closed (each write is atomic on its own).
 * A single file is atomic. A folder is not: on overwrite the files that were there before are
 * deleted only after every new file is written, so a crash leaves old and new parts side by side,
 * never less than the previous output.
 */
export async function stageVolumeOutput(volumes: VolumeStore, target: string, options: StagedOutputOptions): Promise<StagedOutput> {
  const signal = options.signal ? { signal: options.signal } : {};
  const previous: string[] = [];
  if (options.layout === 'folder' && options.mode === 'overwrite' && (await volumes.exists(target, signal))) {
    for await (const entry of volumes.list(target, { recursive: true, ...signal })) if (!entry.isDirectory) previous.push(entry.path);
  }
  const written = new Set<string>();
  let pendingSingle: MemorySink | undefined;
  return {
    location: target,
    atomic: options.layout === 'file',
    async create(relativePath) {
      const file = options.layout === 'file' ? target : `${target}/${relativePath}`;
      const sink = new MemorySink();
      return {
        sink,
        close: async () => {
          // A single file is published by commit; part files as soon as they are complete.
          if (options.layout === 'folder') {
            await volumes.write(file, sink.bytes(), { overwrite: false, ...signal });
            written.add(file);
          } else {
            pendingSingle = sink;
          }
        },
      };
    },
    async commit() {
      if (options.layout === 'file') {
        if (pendingSingle === undefined) throw new MlopsError('INTERNAL', `Nothing was written for ${target}`);
        await volumes.write(target, pendingSingle.bytes(), { overwrite: true, ...signal });
        return;
      }
      if (options.marker !== undefined) {
        const marker = `${target}/${options.marker.name}`;
        await volumes.write(marker, options.marker.content, { overwrite: true, ...signal });
        written.add(marker);
      }
      for (const file of previous) if (!written.has(file)) await volumes.delete(file, signal);
    },
    async abort() {
      for (const file of written) await volumes.delete(file, signal).catch(() => undefined);
    },
  };
}
