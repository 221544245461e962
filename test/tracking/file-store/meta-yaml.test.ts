import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../../src/errors.js';
import { dumpMetaYaml, parseMetaYaml, yamlString } from '../../../src/tracking/file-store/meta-yaml.js';
import { thrownMlopsError } from '../../helpers/errors.js';
import { FIXTURE_ROOT, SERVER } from './fixture-helpers.js';

describe('yamlString', () => {
  // Each expectation is what PyYAML 6 safe_dump(allow_unicode=True) wrote for the same string.
  it.each([
    ['None', 'None'],
    ['null', "'null'"],
    ['~', "'~'"],
    ['yes', "'yes'"],
    ['On', "'On'"],
    ['0', "'0'"],
    ['0.5', "'0.5'"],
    ['1e5', '1e5'],
    ['1_000', "'1_000'"],
    ['2024-01-01', "'2024-01-01'"],
    ['12:30', "'12:30'"],
    ['-a', '-a'],
    ['- a', "'- a'"],
    [':a', ':a'],
    ['a: b', "'a: b'"],
    ['a #b', "'a #b'"],
    ['#a', "'#a'"],
    ['[x]', "'[x]'"],
    ["it's", "it's"],
    ['say "hi"', 'say "hi"'],
    ['a\tb', '"a\\tb"'],
    [' lead', "' lead'"],
    ['trail ', "'trail '"],
    ['ünï', 'ünï'],
    ['---x', "'---x'"],
    ['', "''"],
    ['cat.schema.model', 'cat.schema.model'],
    ['file:///tmp/x y/mlruns/0', 'file:///tmp/x y/mlruns/0'],
  ])('writes %j as PyYAML does', (text, expected) => {
    expect(yamlString(text)).toBe(expected);
  });
});

describe('dumpMetaYaml', () => {
  it('reproduces an experiment meta.yaml written by MLflow byte for byte', async () => {
    const file = join(FIXTURE_ROOT, 'server/mlruns', SERVER.experimentId, 'meta.yaml');
    const written = dumpMetaYaml({
      name: 'iris-demo',
      experiment_id: SERVER.experimentId,
      artifact_location: `mlflow-artifacts:/${SERVER.experimentId}`,
      lifecycle_stage: 'active',
      creation_time: 1795725449312,
      last_update_time: 1795725449312,
    });
    expect(written).toBe(await readFile(file, 'utf8'));
  });

  it('reproduces a registered model meta.yaml with its aliases snapshot', async () => {
    const file = join(FIXTURE_ROOT, 'direct/mlruns/models/iris_classifier/meta.yaml');
    const written = dumpMetaYaml({
      aliases: { champion: '2' },
      creation_timestamp: 1795725452916,
      description: 'Iris species classifier (numpy softmax), fixture.',
      last_updated_timestamp: 1795725452955,
      name: 'iris_classifier',
    });
    expect(written).toBe(await readFile(file, 'utf8'));
  });

  it('writes empty collections in flow style and lists without indenting the dashes', () => {
    expect(dumpMetaYaml({ x: {}, tags: [], l: ['a', 'b'], aliases: { yes: '2', champion: '10' } })).toBe(
      "aliases:\n  champion: '10'\n  'yes': '2'\nl:\n- a\n- b\ntags: []\nx: {}\n",
    );
  });

  it('folds long values at column 80 the way PyYAML does', () => {
    const description =
      'Champion candidate trained on the full Iris data set with eight hidden units, promoted after review by the data science team.';
    expect(dumpMetaYaml({ description })).toBe(
      'description: Champion candidate trained on the full Iris data set with eight hidden\n  units, promoted after review by the data science team.\n',
    );
    expect(dumpMetaYaml({ description: `it's ${description}` })).toBe(
      "description: it's Champion candidate trained on the full Iris data set with eight\n  hidden units, promoted after review by the data science team.\n",
    );
    expect(parseMetaYaml(dumpMetaYaml({ description }), 'folded.yaml').string('description')).toBe(description);
  });

  it('refuses a non-integer number, which MLflow never stores', () => {
    expect(() => dumpMetaYaml({ value: 1.5 })).toThrow(/safe integers/);
  });
});

describe('parseMetaYaml', () => {
  it('reads strings, nulls and integers the way PyYAML types them', () => {
    const doc = parseMetaYaml(
      "a: None\nb: null\nc: 'null'\nd: ''\ne: 1795725449312\nf: '0'\ng: 1e5\nh:\nstage: None\n",
      'meta.yaml',
    );
    expect(doc.string('a')).toBe('None');
    expect(doc.optionalString('b')).toBeUndefined();
    expect(doc.string('c')).toBe('null');
    expect(doc.string('d')).toBe('');
    expect(doc.integer('e')).toBe(1795725449312);
    expect(doc.string('f')).toBe('0');
    // YAML 1.1 needs a dot for a float, so PyYAML (and we) read 1e5 as text.
    expect(doc.string('g')).toBe('1e5');
    expect(doc.optionalString('h')).toBeUndefined();
    expect(doc.optionalInteger('missing')).toBeUndefined();
    expect(doc.has('h')).toBe(true);
  });

  it('round-trips awkward strings through dump and parse', () => {
    const values = ['yes', '0', 'a: b', "it's", 'line\nbreak', 'tab\there', ' padded ', '#hash', '日本語', 'x'.repeat(300)];
    const record = Object.fromEntries(values.map((value, index) => [`k${index}`, value]));
    const doc = parseMetaYaml(dumpMetaYaml(record), 'roundtrip.yaml');
    values.forEach((value, index) => expect(doc.string(`k${index}`)).toBe(value));
  });

  it('names the file and key when a field has the wrong type', () => {
    const doc = parseMetaYaml('creation_time: soon\nname: null\n', '/x/meta.yaml');
    expect(() => doc.integer('creation_time')).toThrow(/\/x\/meta.yaml: key "creation_time" should be an integer, found "soon"/);
    expect(() => doc.string('name')).toThrow(/key "name" should be a string, found null/);
    expect(() => doc.oneOf('name', ['active', 'deleted'])).toThrow(MlopsError);
  });

  it.each([
    ['invalid YAML', 'a: [unclosed\nb: c\n'],
    ['an empty file', ''],
    ['a list', '- a\n- b\n'],
    ['a scalar', 'just text\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
  ])('reports %s as CORRUPT naming the file', (_what, text) => {
    expect(thrownMlopsError(() => parseMetaYaml(text, '/store/1/meta.yaml'), 'CORRUPT').message).toContain('/store/1/meta.yaml');
  });
});
