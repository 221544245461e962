import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const shebang = readFileSync(new URL('src/cli/main.ts', root), 'utf8').split('\n')[0]!;
const start = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts['start']!;

/** The node flags of the mlops bin, from its shebang. */
function binFlags(): string[] {
  const match = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)$/.exec(shebang);
  expect(match, shebang).not.toBeNull();
  return match![1]!.trim().split(' ');
}

describe('the node flags of the mlops bin', () => {
  it('are a small young generation and lazy wasm validation, and npm start passes the same', () => {
    const flags = binFlags();
    expect(flags).toEqual(['--max-semi-space-size=2', '--wasm-lazy-validation']);
    expect(start).toContain(`node ${flags.join(' ')} dist/cli/mlops.mjs run pipeline_job`);
  });

  it('are flags this node accepts, and wasm still compiles and runs under them', () => {
    // The smallest module with a function: (func (export "f") (result i32) i32.const 42).
    const script = `const m = new WebAssembly.Module(new Uint8Array([0,97,115,109,1,0,0,0,1,5,1,96,0,1,127,3,2,1,0,7,5,1,1,102,0,0,10,6,1,4,0,65,42,11])); process.stdout.write(String(new WebAssembly.Instance(m).exports.f()))`;
    const result = spawnSync(process.execPath, [...binFlags(), '-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('42');
  });
});
