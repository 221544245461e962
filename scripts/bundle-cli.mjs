#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js and the ~250 modules it imports, with apache-arrow's
// and yaml's ~220 modules) into dist/cli/mlops.mjs (the `mlops` bin) and a few lazily imported
// chunks in dist/cli-chunks/, so that `mlops` starts by loading one file instead of resolving,
// reading and linking ~470 ES modules.
//
//   node scripts/bundle-cli.mjs [--root DIR]      (run by scripts/fresh-build.mjs after tsc)
//
// Packages with native code, wasm files or CommonJS bundles that find files beside themselves
// (tfjs, parquet-wasm, the Azure and Connect SDKs) stay external: Node loads them from
// node_modules as before. better-sqlite3's JavaScript is bundled (Node's CommonJS loader took ~15 ms
// for its ~15 files): src/tracking/sql-store/database.ts loads its native addon itself and hands it
// over (`nativeBinding`), so the package's `bindings` lookup, which stays external, never runs. Modules that `import()` lazily stay lazy (they become chunks).
// The bundle sits beside dist/cli/main.js, and its chunks in dist/cli-chunks/: both two folders
// below the package root like every compiled module that finds files by `new URL('../../…',
// import.meta.url)` (the package root, its package.json); worker scripts are looked up in dist/
// from there (src/io/workers/worker-script.ts).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the lazily imported chunks go: like dist/cli/, two folders below the package root, so that a
 * module that finds files by `new URL('../../…', import.meta.url)` finds the same ones from a chunk.
 */
const CHUNKS_DIR = 'cli-chunks';

/** Bare imports bundled in; every other package stays an import from node_modules. */
const BUNDLED_PACKAGES = ['apache-arrow', 'better-sqlite3', 'flatbuffers', 'tslib', 'yaml'];

export async function bundleCli(root) {
  const { build } = await import('rolldown');
  rmSync(path.join(root, 'dist', 'cli', 'chunks'), { recursive: true, force: true });
  rmSync(path.join(root, 'dist', CHUNKS_DIR), { recursive: true, force: true });
  await build({
    input: path.join(root, 'dist', 'cli', 'main.js'),
    platform: 'node',
    logLevel: 'warn',
    external: (id) => {
      if (id.startsWith('.') || path.isAbsolute(id) || id.startsWith('\0')) return false;
      if (id.startsWith('node:')) return true;
      const name = id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0];
      return !BUNDLED_PACKAGES.includes(name);
    },
    output: {
      dir: path.join(root, 'dist'),
      format: 'esm',
      entryFileNames: 'cli/mlops.mjs',
      chunkFileNames: `${CHUNKS_DIR}/[name]-[hash].mjs`,
    },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const at = process.argv.indexOf('--root');
  await bundleCli(at >= 0 ? path.resolve(process.argv[at + 1]) : path.resolve(fileURLToPath(new URL('..', import.meta.url))));
}
