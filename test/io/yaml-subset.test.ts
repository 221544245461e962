import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseYamlSubset } from '../../src/io/yaml-subset.js';
import { createRandom } from '../../src/model/random.js';

/** What the `yaml` package makes of the text: its plain data, or that it has errors. */
function reference(text: string): { value: unknown } | { error: string } {
  const document = parseDocument(text);
  return document.errors.length > 0 ? { error: document.errors[0]!.message } : { value: document.toJS({ maxAliasCount: 1000 }) };
}

/** The subset reader either declines or agrees with the `yaml` package exactly (never where it reports an error). */
function expectAgrees(text: string): 'fast' | 'declined' {
  const fast = parseYamlSubset(text);
  if (fast === undefined) return 'declined';
  expect(reference(text), JSON.stringify(text)).toEqual({ value: fast.value });
  return 'fast';
}

const TRIALS = Number(process.env['YAML_SUBSET_TRIALS'] ?? 100);
const project = readFileSync(new URL('../../mlops.yml', import.meta.url), 'utf8');

describe('parseYamlSubset', () => {
  it('reads the project and example configs exactly as the yaml package does', () => {
    expect(expectAgrees(project)).toBe('fast');
    expect(expectAgrees(readFileSync(new URL('../../examples/penguins/mlops.yml', import.meta.url), 'utf8'))).toBe('fast');
  });

  it('reads the forms configs use', () => {
    const cases = [
      'a: 1\nb: -2\nc: 0.5\nd: -0.25\ne: true\nf: False\ng: null\nh: ~\ni:\nj: text with spaces # comment\n',
      'list:\n- a\n- b\nnext: 1\n',
      'list:\n  - { name: x, default: "${var.y}" } # trailing\n  - { name: z, default: \'it\'\'s\' }\n',
      'm: { a: [1, 2, { b: c }], d: {} , e: [] }\n',
      'q: "tab\\t, newline\\n, quote \\" and slash \\\\"\n',
      'seq:\n  - name: a\n    value: 1\n  - name: b\n    nested:\n      deep: [x]\n',
      '"quoted key": v\n\'single\': w\n',
      'url: https://example.com/a?b=c\nhash: a#b\n',
      '- - 1\n  - 2\n- 3\n',
      '  indented: root\n  second: 2\n',
      'plain: .mlops\nneg: -foo\ndash: a - b, c\n',
      'version: 2.2.0\nid: 8e045b5ded8e\n',
      // Quoted scalars folded over lines, as MLflow writes signatures into MLmodel.
      "inputs: '[{\"type\": \"double\", \"name\":\n    \"x\"}]'\nnext: 1\n",
      'a: "two\n  lines\n\n  and a paragraph"\n',
    ];
    for (const text of cases) expect(expectAgrees(text), text).toBe('fast');
  });

  it('declines what it does not read, and the yaml package decides', () => {
    const cases = [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: |\n  block\n',
      'a: >\n  folded\n',
      'a: plain\n  continued\n',
      'a: [1,\n  2]\n',
      'a: 1e3\nb: 0x1f\nc: 0o17\nd: .inf\ne: -.5\nf: 007\ng: +1\n',
      'a: 1\na: 2\n',
      '? a\n: b\n',
      '---\na: 1\n',
      'a:\tb\n',
      'a: 1\r\nb: 2\r\n',
      '1: one\n',
      'true: yes\n',
      '__proto__: x\n',
      '<<: { a: 1 }\n',
      'a: b: c\n',
      'a: [1, 2,]\n',
      'a: "\\x41"\n',
      'a: 1\n b: 2\n',
      '',
      '# only a comment\n',
    ];
    for (const text of cases) expect(parseYamlSubset(text), text).toBeUndefined();
  });

  it('never disagrees with the yaml package on damaged configs', () => {
    const random = createRandom(7);
    // The first 80 lines of the project config (bundle, variables, approval, targets): small enough to parse 2 × TRIALS times.
    const lines = project.split('\n').slice(0, 80);
    let fast = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const mutated = [...lines];
      const at = Math.floor(random() * mutated.length);
      const line = mutated[at]!;
      const column = Math.floor(random() * (line.length + 1));
      const kind = Math.floor(random() * 5);
      const chars = [' ', ':', '-', '#', '"', "'", '{', '}', '[', ']', ',', 'x', '1', '&', '*', '|', '?'];
      const char = chars[Math.floor(random() * chars.length)]!;
      if (kind === 0) mutated[at] = line.slice(0, column) + line.slice(column + 1);
      else if (kind === 1) mutated[at] = line.slice(0, column) + char + line.slice(column);
      else if (kind === 2) mutated[at] = ` ${line}`;
      else if (kind === 3) mutated[at] = line.replace(/^ {2}/, '');
      else mutated.splice(at, 0, line);
      if (expectAgrees(mutated.join('\n')) === 'fast') fast += 1;
    }
    // Most damage is harmless (inside a comment or a string) and still read here.
    expect(fast).toBeGreaterThan(TRIALS / 4);
  });
});
