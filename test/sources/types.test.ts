import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSource } from '../../src/sources/open.js';
import { SourceFileChangedError } from '../../src/sources/types.js';
import type { Source, SourceFile } from '../../src/sources/types.js';
import { AZURITE_ACCOUNT, useAzurite } from '../helpers/azurite.js';
import { useTempDirs } from '../helpers/temp-dir.js';

/**
 * The Source contract, run against a local folder and an ADLS folder on azurite: the same landing
 * tree must list, page, stream and detect changes the same way through both.
 */
const tempDir = useTempDirs();
const azurite = useAzurite();

const BIG = randomBytes(3 * 1024 * 1024 + 17);
const TREE: Record<string, Uint8Array | string> = {
  'a.csv': 'x,y\n1,2\n',
  'b/c/deep.csv': 'x,y\n3,4\n',
  'b/d.jsonl': '{"x":1}\n',
  'big.bin': BIG,
  'm.parquet': 'PAR1',
  'z.csv': 'x\n',
  // Hidden and marker files, skipped like Spark and Auto Loader do:
  '.hidden.csv': 'h',
  '_SUCCESS': '',
  '_temporary/part.csv': 'p',
  'b/.crc': 'c',
};
const VISIBLE = ['a.csv', 'b/c/deep.csv', 'b/d.jsonl', 'big.bin', 'm.parquet', 'z.csv'];

interface Fixture {
  source: Source;
  /** Rewrites a file in place (new content, new etag). */
  rewrite(relative: string, content: string): Promise<void>;
  remove(relative: string): Promise<void>;
}

let containers = 0;

const implementations: [string, () => Promise<Fixture>][] = [
  [
    'local folder',
    async () => {
      const root = path.join(await tempDir(), 'landing');
      for (const [name, content] of Object.entries(TREE)) {
        await mkdir(path.dirname(path.join(root, name)), { recursive: true });
        await writeFile(path.join(root, name), content);
      }
      return {
        source: await openSource(root, { baseDir: '/' }),
        rewrite: async (relative, content) => {
          // A different size, so the etag (size + mtime) changes even within one clock tick.
          await writeFile(path.join(root, relative), content);
        },
        remove: (relative) => rm(path.join(root, relative)),
      };
    },
  ],
  [
    'ADLS on azurite',
    async () => {
      const { service, connectionString } = azurite();
      const name = `contract-${++containers}`;
      const container = service.getContainerClient(name);
      await container.create();
      const upload = (blob: string, content: Uint8Array | string) => {
        const bytes = typeof content === 'string' ? Buffer.from(content) : content;
        return container.getBlockBlobClient(blob).upload(bytes, bytes.length);
      };
      for (const [relative, content] of Object.entries(TREE)) await upload(`landing/${relative}`, content);
      // Outside the source folder: never listed.
      await upload('landing-other/x.csv', 'x');
      await upload('elsewhere.csv', 'x');
      const url = `abfss://${name}@${AZURITE_ACCOUNT}.dfs.core.windows.net/landing`;
      return {
        source: await openSource(url, { baseDir: '/', env: { AZURE_STORAGE_CONNECTION_STRING: connectionString }, maxTries: 1 }),
        rewrite: async (relative, content) => {
          await upload(`landing/${relative}`, content);
        },
        remove: async (relative) => {
          await container.deleteBlob(`landing/${relative}`);
        },
      };
    },
  ],
];

async function listAll(source: Source, pageSize?: number): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for await (const file of source.list(pageSize === undefined ? {} : { pageSize })) files.push(file);
  return files;
}

async function readAll(source: Source, file: SourceFile): Promise<{ bytes: Buffer; chunks: number; largest: number }> {
  const chunks: Buffer[] = [];
  for await (const chunk of source.open(file)) chunks.push(Buffer.from(chunk));
  return { bytes: Buffer.concat(chunks), chunks: chunks.length, largest: Math.max(0, ...chunks.map((chunk) => chunk.length)) };
}

describe.each(implementations)('Source contract: %s', (_name, make) => {
  it('lists every visible file below the root, recursively and in path order, with size, etag and time', async () => {
    const before = Date.now() - 60_000;
    const { source } = await make();
    const files = await listAll(source);
    expect(files.map((file) => file.path)).toEqual(VISIBLE);
    const sizes = Object.fromEntries(files.map((file) => [file.path, file.size]));
    expect(sizes['big.bin']).toBe(BIG.length);
    expect(sizes['a.csv']).toBe(8);
    for (const file of files) {
      expect(file.etag).not.toBe('');
      expect(file.modifiedAt).toBeGreaterThan(before);
      expect(file.modifiedAt).toBeLessThanOrEqual(Date.now() + 60_000);
    }
    // Stable while nothing changes.
    expect((await listAll(source)).map((file) => file.etag)).toEqual(files.map((file) => file.etag));
  });

  it('gives the same listing page by page (page size 2)', async () => {
    const { source } = await make();
    expect(await listAll(source, 2)).toEqual(await listAll(source));
  });

  it('streams a file in chunks, never whole, with the exact bytes', async () => {
    const { source } = await make();
    const big = (await listAll(source)).find((file) => file.path === 'big.bin')!;
    const { bytes, chunks, largest } = await readAll(source, big);
    expect(bytes.equals(BIG)).toBe(true);
    expect(chunks).toBeGreaterThan(1);
    expect(largest).toBeLessThan(BIG.length);
  });

  it('names each file by its own URL, below the source URL', async () => {
    const { source } = await make();
    const deep = (await listAll(source)).find((file) => file.path === 'b/c/deep.csv')!;
    expect(source.fileUrl(deep)).toBe(`${source.url}/b/c/deep.csv`);
    expect(source.url).not.toContain('?');
  });

  it('changes the etag when a file is rewritten, and refuses to read the listed version after that', async () => {
    const { source, rewrite } = await make();
    const listed = (await listAll(source)).find((file) => file.path === 'a.csv')!;
    await rewrite('a.csv', 'x,y\n1,2\n5,6\n');
    const relisted = (await listAll(source)).find((file) => file.path === 'a.csv')!;
    expect(relisted.etag).not.toBe(listed.etag);
    await expect(readAll(source, listed)).rejects.toBeInstanceOf(SourceFileChangedError);
    expect((await readAll(source, relisted)).bytes.toString()).toBe('x,y\n1,2\n5,6\n');
  });

  it('reports a file deleted since the listing as changed', async () => {
    const { source, remove } = await make();
    const listed = (await listAll(source)).find((file) => file.path === 'z.csv')!;
    await remove('z.csv');
    await expect(readAll(source, listed)).rejects.toMatchObject({ name: 'SourceFileChangedError', details: { changed: true } });
  });

  it('stops with ABORTED when the signal has fired', async () => {
    const { source } = await make();
    const controller = new AbortController();
    controller.abort();
    await expect(listAll(source).then(() => source.list({ signal: controller.signal })[Symbol.asyncIterator]().next())).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
