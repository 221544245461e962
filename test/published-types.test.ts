import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The .d.ts files a consumer's compiler reads (from package.json's exports) may import only our
// dependencies and Node's modules: a type package they need must not sit in devDependencies
// (@types/better-sqlite3 is a devDependency because no exported type reaches the SQLite store).

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, string | { types?: string }>; dependencies: Record<string, string> };

function reachable(entries: string[]): Map<string, string[]> {
  const imports = new Map<string, string[]>();
  const stack = [...entries];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (imports.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    const found: string[] = [];
    for (const match of text.matchAll(/(?:from\s+|import\()\s*'([^']+)'/g)) {
      const spec = match[1]!;
      if (spec.startsWith('.')) stack.push(path.join(path.dirname(file), spec.replace(/\.js$/, '.d.ts')));
      else found.push(spec);
    }
    imports.set(file, found);
  }
  return imports;
}

const packageName = (spec: string): string => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);

describe('published type declarations', () => {
  it('import only dependencies and Node built-ins', () => {
    const entries = Object.values(pkg.exports).flatMap((value) => (typeof value === 'object' && value.types ? [value.types] : []));
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(existsSync(entry), `${entry} (run npm run build)`).toBe(true);
    const files = reachable(entries);
    expect(files.size).toBeGreaterThan(10);
    const allowed = (spec: string): boolean =>
      spec.startsWith('node:') || builtinModules.includes(spec) || packageName(spec) in pkg.dependencies || `@types/${packageName(spec)}` in pkg.dependencies;
    const outside = [...files].flatMap(([file, specs]) => specs.filter((spec) => !allowed(spec)).map((spec) => `${file}: ${spec}`));
    expect(outside).toEqual([]);
  });
});
