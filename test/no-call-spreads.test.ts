import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Calls whose arguments grow with the data when spread: `rows.push(...big)` and friends throw
// "Maximum call stack size exceeded" past ~100k elements (issue 18: training on 2M rows did).
// src/arrays.ts has the loop-based replacements (pushAll, maxOf, minOf, latin1String).
const RISKY = new Set(['push', 'unshift', 'splice', 'max', 'min', 'fromCharCode', 'fromCodePoint']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function riskyCalls(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const name = node.expression.name.text;
      const spreads = node.arguments.some(ts.isSpreadElement);
      // Function.prototype.apply with an array of arguments has the same limit.
      const applies = name === 'apply' && node.arguments.length === 2;
      if ((spreads && RISKY.has(name)) || applies) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${file}:${line + 1}: ${node.getText().slice(0, 80)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('src/', () => {
  it('spreads no collection into push/unshift/splice/Math.max/Math.min/String.fromCharCode, and uses no apply', () => {
    const found = sourceFiles(path.resolve('src')).flatMap(riskyCalls);
    expect(found).toEqual([]);
  });

  it('the scan finds such a call (it is not vacuous)', () => {
    const dir = path.resolve('test-artifacts');
    const sample = path.join(dir, 'spread-sample.ts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(sample, 'const a: number[] = []; a.push(...[1, 2]); Math.max(...a); String.fromCharCode(...a); f.apply(null, a);\n');
    try {
      expect(riskyCalls(sample)).toHaveLength(4);
    } finally {
      rmSync(sample);
    }
  });
});
