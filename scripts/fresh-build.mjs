#!/usr/bin/env node
// Builds dist/ from src/ with tsc, bundles the CLI (scripts/bundle-cli.mjs), and records a digest of what it built from in dist/.build-digest.
//
//   node scripts/fresh-build.mjs              build (npm run build, npm ci's prepare)
//   node scripts/fresh-build.mjs --if-stale   build only when the sources differ from the last build
//                                             (npm start: an up-to-date build starts at once)
//   [--root DIR]                              the project folder (default: this script's parent)
//
// The digest covers every file under src/ (path and bytes) and tsconfig.json, so an edit, a new or
// a deleted file, or a changed compiler option all count as a change, while a `touch` or a fresh
// checkout of the same bytes does not. Hashing ~300 files takes a few milliseconds; even a no-op
// incremental tsc takes seconds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIGEST_FILE = '.build-digest';

/** Files whose bytes decide what the build produces, relative to root, sorted. */
export function buildInputs(root) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (entry.isFile()) files.push(relative);
    }
  };
  walk('src');
  files.push('tsconfig.json');
  return files.sort();
}

/** SHA-256 over each input's path and bytes. */
export function sourceDigest(root) {
  const hash = createHash('sha256');
  for (const file of buildInputs(root)) {
    const bytes = readFileSync(path.join(root, file));
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** The digest the last successful build recorded, or undefined. */
export function builtDigest(root) {
  try {
    return JSON.parse(readFileSync(path.join(root, 'dist', DIGEST_FILE), 'utf8')).digest;
  } catch {
    return undefined;
  }
}

/** True when dist/ was built from exactly the current sources. */
export function isBuildFresh(root) {
  const digest = builtDigest(root);
  return (
    digest !== undefined &&
    digest === sourceDigest(root) &&
    existsSync(path.join(root, 'dist', 'cli', 'main.js')) &&
    existsSync(path.join(root, 'dist', 'cli', 'mlops.mjs'))
  );
}

/** Runs tsc and the CLI bundle; records the digest of the sources as they were before tsc read them. */
export async function build(root) {
  const digest = sourceDigest(root);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) return result.status ?? 1;
  const cli = path.join(root, 'dist', 'cli', 'main.js');
  // Loaded only to build: rolldown's native binding would cost an up-to-date `npm start` ~0.3 s.
  if (existsSync(cli)) await (await import('./bundle-cli.mjs')).bundleCli(root);
  await writeSchemaTemplate(root);
  // The CLI runs through its shebang (node flags included), as the installed `mlops` bin does.
  for (const file of [cli, path.join(root, 'dist', 'cli', 'mlops.mjs')]) if (existsSync(file)) chmodSync(file, 0o755);
  const target = path.join(root, 'dist', DIGEST_FILE);
  writeFileSync(`${target}.tmp`, `${JSON.stringify({ digest })}\n`);
  renameSync(`${target}.tmp`, target);
  return 0;
}

/**
 * The empty MLflow tracking database that new local databases start as a copy of (see
 * src/tracking/schema-template.ts): made by the compiled schema code itself, so it is exactly what
 * the schema statements give. Only templates for the current revision are kept.
 */
async function writeSchemaTemplate(root) {
  const database = path.join(root, 'dist', 'tracking', 'sql-store', 'database.js');
  const template = path.join(root, 'dist', 'tracking', 'schema-template.js');
  if (!existsSync(database) || !existsSync(template)) return;
  rmSync(path.join(root, 'dist', 'mlflow-schema'), { recursive: true, force: true });
  const { schemaTemplatePath } = await import(pathToFileURL(template).href);
  (await import(pathToFileURL(database).href)).writeSchemaTemplate(schemaTemplatePath());
}

async function main(argv) {
  let root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  let ifStale = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--if-stale') ifStale = true;
    else if (argv[i] === '--root' && argv[i + 1] !== undefined) root = path.resolve(argv[++i]);
    else {
      process.stderr.write(`fresh-build: unknown argument "${argv[i]}"; expected --if-stale and/or --root DIR\n`);
      return 2;
    }
  }
  if (ifStale && isBuildFresh(root)) return 0;
  if (ifStale) process.stderr.write('Sources changed since the last build: building dist/ …\n');
  return build(root);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
