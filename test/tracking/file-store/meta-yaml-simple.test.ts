import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpMetaYaml, parseMetaYaml, parseMetaYamlEntries, parseSimpleMetaYaml } from '../../../src/tracking/file-store/meta-yaml.js';
import { FIXTURE_ROOT } from './fixture-helpers.js';

// parseSimpleMetaYaml reads the common meta.yaml shapes without the YAML library: it must give
// exactly what the library gives, or undefined (and the library reads the file).

async function metaFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await metaFiles(path)));
    else if (entry.name === 'meta.yaml') found.push(path);
  }
  return found;
}

describe('parseSimpleMetaYaml', () => {
  it('reads every meta.yaml MLflow wrote in the fixtures as the YAML library does (or leaves it to the library)', async () => {
    const files = await metaFiles(FIXTURE_ROOT);
    expect(files.length).toBeGreaterThan(5);
    let simple = 0;
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      const fast = parseSimpleMetaYaml(text);
      if (fast === undefined) continue;
      simple++;
      expect(fast, file).toEqual(parseMetaYamlEntries(text, file));
    }
    // Experiments, runs, registered models (with aliases) and their versions are all simple.
    expect(simple).toBe(files.length);
  });

  it('reads what dumpMetaYaml writes as the library does, for strings PyYAML quotes or not', () => {
    const strings = ['None', 'null', '~', 'yes', '0', '0.5', '1e5', '-1', '-a', ':a', 'a:b', "it's", 'say "hi"', '', 'cat.schema.model', 'file:///tmp/x/mlruns/0', 'file:///tmp/x y/mlruns/0',
      '2024-01-01', '12:30', '...', 'a=b', 'x@y', '=', '.inf', 'MLP with 8 hidden units; outputs probabilities.', 'a  b', 'x [y] {z}, w', 'a #b', 'a: b', ' lead', 'trail ', 'ünï', '(x) \\ y'];
    for (const value of strings) {
      const text = dumpMetaYaml({ name: value, version: 3, none: null, list: [], map: {}, aliases: { champion: '1', 'b-2': value } });
      const fast = parseSimpleMetaYaml(text);
      if (fast === undefined) continue;
      expect(fast, text).toEqual(parseMetaYamlEntries(text, 'x'));
    }
    // The plain and single-quoted shapes really take the fast path.
    const common = dumpMetaYaml({ a: 'x', b: "it's a model", c: '0', d: 'null', e: null, f: 12, g: { champion: '2' } });
    expect(parseSimpleMetaYaml(common)).toEqual(parseMetaYamlEntries(common, 'x'));
    expect(parseSimpleMetaYaml("a: 'it''s'\n")!.get('a')).toEqual({ kind: 'scalar', text: "it's", quoted: true });
  });

  it.each([
    ['a list', 'tags:\n- a\n- b\n'],
    ['a comment', 'a: 1 # one\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a duplicate nested key', 'm:\n  a: 1\n  a: 2\n'],
    ['a folded string', 'a: long\n  more\n'],
    ['a double-quoted string', 'a: "x"\n'],
    ['a value with a trailing space', 'a: x \n'],
    ['a tab', 'a: x\ty\n'],
    ['a value that is not ASCII', 'a: ünï\n'],
    ['a nested mapping value', 'a: b: c\n'],
    ['a value ending in a colon', 'a: b:\n'],
    ['a deeper level', 'm:\n  n:\n    a: 1\n'],
    ['an indicator', 'a: &x 1\n'],
    ['a lone dash', 'a: -\n'],
    ['CRLF', 'a: 1\r\n'],
    ['a blank line', 'a: 1\n\nb: 2\n'],
    ['a document marker', '---\na: 1\n'],
    ['an empty file', ''],
  ])('leaves %s to the YAML library', (_, text) => {
    expect(parseSimpleMetaYaml(text)).toBeUndefined();
  });

  it('still fails on what is not a mapping, and reads an empty value as null', () => {
    expect(() => parseMetaYaml('- a\n', 'f/meta.yaml')).toThrow(/f\/meta\.yaml: expected a YAML mapping as MLflow writes it, found a list/);
    const doc = parseMetaYaml('description:\nname: m\n', 'f');
    expect(doc.optionalString('description')).toBeUndefined();
    expect(parseSimpleMetaYaml('description:\nname: m\n')).toEqual(parseMetaYamlEntries('description:\nname: m\n', 'f'));
  });
});
