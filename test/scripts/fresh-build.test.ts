import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { isBuildFresh, sourceDigest } from '../../scripts/fresh-build.mjs';

const SCRIPT = path.resolve('scripts/fresh-build.mjs');
// A project tsc compiles in well under a second: no default lib (its .d.ts files are most of a
// small build's time), only the few global types the checker itself needs.
const TSCONFIG = { compilerOptions: { target: 'ES2022', module: 'ES2022', noLib: true, rootDir: 'src', outDir: 'dist', types: [] }, include: ['src'] };
const MINIMAL_LIB = ['Array<T> { length: number }', 'Boolean {}', 'CallableFunction {}', 'Function {}', 'IArguments {}', 'NewableFunction {}', 'Number {}', 'Object {}', 'RegExp {}', 'String {}']
  .map((body) => `interface ${body}\n`)
  .join('');

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mlops-fresh-build-'));
  await mkdir(path.join(root, 'src', 'cli'), { recursive: true });
  await writeFile(path.join(root, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  await writeFile(path.join(root, 'src', 'lib.d.ts'), MINIMAL_LIB);
  await writeFile(path.join(root, 'src', 'cli', 'main.ts'), 'export const greeting: string = "first";\n');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function freshBuild(...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [SCRIPT, '--root', root, ...args], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}
const built = () => readFile(path.join(root, 'dist', 'cli', 'main.js'), 'utf8');

describe('sourceDigest / isBuildFresh', () => {
  it('changes with an edit, a new file, a deleted file or tsconfig.json, not with a touch', async () => {
    const first = sourceDigest(root) as string;
    const main = path.join(root, 'src', 'cli', 'main.ts');
    await utimes(main, new Date(), new Date(Date.now() + 60_000));
    expect(sourceDigest(root)).toBe(first);
    await writeFile(main, 'export const greeting: string = "edited";\n');
    const edited = sourceDigest(root) as string;
    expect(edited).not.toBe(first);
    await writeFile(path.join(root, 'src', 'extra.ts'), 'export {};\n');
    const added = sourceDigest(root) as string;
    expect(added).not.toBe(edited);
    await unlink(path.join(root, 'src', 'extra.ts'));
    expect(sourceDigest(root)).toBe(edited);
    await writeFile(path.join(root, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, compilerOptions: { ...TSCONFIG.compilerOptions, target: 'ES2020' } }));
    expect(sourceDigest(root)).not.toBe(edited);
  });

  it('is not fresh before any build', () => {
    expect(isBuildFresh(root)).toBe(false);
  });
});

// tsc runs several times per test; a shared 2-core machine can make that slow.
describe('fresh-build.mjs --if-stale (npm start)', { timeout: 180_000 }, () => {
  it('builds when dist/ is missing, skips tsc when nothing changed, rebuilds after an edit', async () => {
    const first = freshBuild('--if-stale');
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('building');
    expect(await built()).toContain('"first"');
    expect(isBuildFresh(root)).toBe(true);
    // Executable, so that it runs through its shebang (with its node flags) as the mlops bin does.
    expect((await stat(path.join(root, 'dist', 'cli', 'main.js'))).mode & 0o111).toBe(0o111);

    const output = path.join(root, 'dist', 'cli', 'main.js');
    const before = (await stat(output)).mtimeMs;
    const second = freshBuild('--if-stale');
    expect(second.status).toBe(0);
    expect(second.stderr).toBe('');
    expect((await stat(output)).mtimeMs).toBe(before);

    // A user edits a file and runs npm start: the change is built.
    await writeFile(path.join(root, 'src', 'cli', 'main.ts'), 'export const greeting: string = "edited";\n');
    expect(isBuildFresh(root)).toBe(false);
    const third = freshBuild('--if-stale');
    expect(third.status).toBe(0);
    expect(third.stderr).toContain('building');
    expect(await built()).toContain('"edited"');
    expect(isBuildFresh(root)).toBe(true);
  });

  it('rebuilds when dist/ was deleted although its digest file is still there', async () => {
    expect(freshBuild().status).toBe(0);
    await rm(path.join(root, 'dist', 'cli'), { recursive: true });
    expect(isBuildFresh(root)).toBe(false);
    expect(freshBuild('--if-stale').status).toBe(0);
    expect(await built()).toContain('"first"');
  });

  it('fails with tsc exit status and records nothing when the sources do not compile', async () => {
    await writeFile(path.join(root, 'src', 'cli', 'main.ts'), 'export const greeting: number = "not a number";\n');
    const result = spawnSync(process.execPath, [SCRIPT, '--root', root, '--if-stale'], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(isBuildFresh(root)).toBe(false);
  });

  it('rejects an unknown argument with exit 2', () => {
    expect(freshBuild('--bogus').status).toBe(2);
  });
});
