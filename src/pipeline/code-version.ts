import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version of the code that runs the stages, part of every step cache key: the package version
 * plus a digest of the code folder this module runs from (dist/ or, under a TypeScript runner,
 * src/). A build records a digest of its sources in dist/.build-digest (scripts/fresh-build.mjs);
 * that is used when present. Otherwise every .js/.ts file of the folder (path and bytes) is hashed.
 * The whole folder, not only one stage's files: a stage's output also depends on the model, io and
 * tracking code it calls, and a change anywhere must not reuse an output the new code would not give.
 */
export async function codeVersion(): Promise<string> {
  return (cached ??= compute());
}

let cached: Promise<string> | undefined;

async function compute(): Promise<string> {
  const codeRoot = fileURLToPath(new URL('..', import.meta.url));
  const pkg = JSON.parse(await readFile(path.join(codeRoot, '..', 'package.json'), 'utf8')) as { version: string };
  const recorded = await readFile(path.join(codeRoot, '.build-digest'), 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
  return `${pkg.version}+${recorded ? `build.${recorded.slice(0, 16)}` : `code.${(await codeDigest(codeRoot)).slice(0, 16)}`}`;
}

/** sha256 (hex) over the relative paths and bytes of the .js and .ts files (no .d.ts, no maps) under `root`, in path order. */
export async function codeDigest(root: string): Promise<string> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(path.join(root, dir), { withFileTypes: true })) {
      const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) await walk(relative);
      else if (entry.isFile() && /\.(js|ts|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(relative);
    }
  };
  await walk('');
  files.sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(await readFile(path.join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}
