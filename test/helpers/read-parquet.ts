import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';

/** Reads Parquet with hyparquet — a reader independent of the parquet-wasm writer under test. */
export async function readParquetFile(path: string): Promise<Record<string, unknown>[]> {
  const bytes = await readFile(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file });
}

/** Every *.parquet file below a folder, in path order, as one list of rows. */
export async function readParquetFolder(dir: string): Promise<Record<string, unknown>[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const rows: Record<string, unknown>[] = [];
  for (const f of files) rows.push(...(await readParquetFile(f)));
  return rows;
}
