import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeDigest, codeVersion } from '../../src/pipeline/code-version.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('codeVersion', () => {
  it('is the package version plus a digest of the running code, the same on every call', async () => {
    const { version } = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'))) as { version: string };
    const first = await codeVersion();
    expect(first).toMatch(new RegExp(`^${version.replace(/\./g, '\\.')}\\+(build|code)\\.[0-9a-f]{16}$`));
    expect(await codeVersion()).toBe(first);
  });
});

describe('codeDigest', () => {
  it('changes when a code file changes, is added or renamed, and ignores type declarations and maps', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'stages'));
    await writeFile(join(root, 'stages', 'train.js'), 'export const a = 1;\n');
    await writeFile(join(root, 'index.js'), 'export {};\n');
    const first = await codeDigest(root);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    await writeFile(join(root, 'index.d.ts'), 'export {};\n');
    await writeFile(join(root, 'index.js.map'), '{}');
    expect(await codeDigest(root)).toBe(first);
    await writeFile(join(root, 'stages', 'train.js'), 'export const a = 2;\n');
    const edited = await codeDigest(root);
    expect(edited).not.toBe(first);
    await writeFile(join(root, 'stages', 'evaluate.js'), '');
    expect(await codeDigest(root)).not.toBe(edited);
  });
});
