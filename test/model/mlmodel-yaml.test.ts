import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { stringifyMLmodel } from '../../src/model/mlmodel.js';
import { parseYamlSubset } from '../../src/io/yaml-subset.js';

/** Every MLmodel file below a folder. */
function mlmodelFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return mlmodelFiles(path);
    return name === 'MLmodel' ? [path] : [];
  });
}

describe('MLmodel files through parseYamlSubset (parseMLmodel reads them without the yaml package)', () => {
  it('reads MLflow-written MLmodel files (the fixtures) as the YAML library does', () => {
    const files = mlmodelFiles(join(import.meta.dirname, '../fixtures'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const simple = parseYamlSubset(text)?.value;
      expect(simple, file).toBeDefined();
      expect(simple).toEqual(YAML.parse(text));
    }
  });

  it('reads the MLmodel stringifyMLmodel writes (our model files) as the YAML library does', () => {
    const columns = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'].map((name) => ({ type: 'double', name, required: true }));
    const text = stringifyMLmodel({
      artifactPath: 'model',
      runId: 'a'.repeat(32),
      modelUuid: 'b'.repeat(32),
      utcTimeCreated: '2026-12-06 08:32:48.174000',
      mlflowVersion: '2.12.2',
      modelSizeBytes: 11_299,
      flavors: {
        python_function: { code: 'code', env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' }, loader_module: 'mlops_tfjs_pyfunc', python_version: '3.11.2' },
        tfjs: { model_json: 'model.json', preprocessing: 'preprocessing.json', tfjs_version: '4.22.0', weights: 'weights.bin' },
      },
      signature: { inputs: columns, outputs: [{ type: 'string', name: "it's the prediction", required: true }], params: null },
      extra: {},
    });
    // Folded over several lines, as PyYAML folds it.
    expect(text).toMatch(/inputs: '\[\{"type": "double", [^\n]*\n    /);
    const simple = parseYamlSubset(text)?.value;
    expect(simple).toBeDefined();
    expect(simple).toEqual(YAML.parse(text));
  });

  it('agrees with the library on scalars, nesting and folded quotes it reads', () => {
    const cases = [
      'a: 1\nb: -42\nc: 0\nd: null\ne: true\nf: false\ng: 3.11.2\nh: x-y_z/1.0\n',
      "a: 'it''s'\nb: '007'\nc: ''\nd: 'a: b # c'\n",
      "s:\n  inputs: '[{\"a\":\n    1}, {\"b\": \"x''y\"}]'\n  params: null\nt: 1\n",
      'a:\n  b:\n    c:\n      d: 1\n  e: 2\nf:\n',
      'a: (x)\nb: $HOME\nc: some words here\nd: a,b [c] {d}\ne: it\'s\n',
    ];
    for (const text of cases) {
      const simple = parseYamlSubset(text)?.value;
      expect(simple, text).toBeDefined();
      expect(simple).toEqual(YAML.parse(text));
    }
  });

  it('reads the other shapes YAML 1.2 reads plainly, exactly as the library does', () => {
    const cases = [
      'a: 1.5\n',
      'a: ~\n',
      'a: True\n',
      'a: "double"\n',
      'a: [1, 2]\n',
      'a: {b: 1}\n',
      'a:\n  - 1\n',
      'a: 1 # comment\n',
      'a:\n    b: 1\n',
      "a: 'open\n\n  blank line'\n",
      'a: café\n',
    ];
    for (const text of cases) {
      const fast = parseYamlSubset(text);
      expect(fast, JSON.stringify(text)).toBeDefined();
      expect(fast!.value, JSON.stringify(text)).toEqual(YAML.parse(text));
    }
  });

  it('leaves everything else to the library', () => {
    const cases = [
      '',
      'a: 0x1F\n',
      'a: .inf\n',
      'a: 12345678901234567890\n',
      'a: +5\n',
      'a: 007\n',
      'a: |\n  text\n',
      'a: &x 1\n',
      'a: !!str 1\n',
      'a: 1\na: 2\n',
      'a:\n  b: 1\n c: 2\n',
      "a: 'x' trailing\n",
      'a: plain\n  continued\n',
      '---\na: 1\n',
      'null: 1\n',
      '__proto__: 1\n',
      'a: 1\r\n',
      'a:\tb\n',
    ];
    for (const text of cases) expect(parseYamlSubset(text), JSON.stringify(text)).toBeUndefined();
  });
});
