import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appendLogModelHistory, logModelHistoryEntry, parseMLmodel, stringifyMLmodel, type MLmodel } from '../../src/model/mlmodel.js';
import { pythonJsonDumps } from '../../src/model/python-json.js';
import { thrownMlopsError } from '../helpers/errors.js';

const fixture = (run: string, file: string) => readFileSync(new URL(`../fixtures/model/mlflow-2.12.2/${run}/${file}`, import.meta.url), 'utf8');
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

describe('parseMLmodel on files written by MLflow 2.12.2', () => {
  it('reads a pyfunc model with a column signature', () => {
    const model = parseMLmodel(fixture('linear-softmax', 'MLmodel'));
    expect(model.artifactPath).toBe('model');
    expect(model.runId).toBe('d993541da27f4f27889082915aaab82c');
    expect(model.modelUuid).toBe('8a9abda946e84c7d9ce2460221800966');
    expect(model.utcTimeCreated).toBe('2026-11-26 20:37:32.881142');
    expect(model.mlflowVersion).toBe('2.12.2');
    expect(model.modelSizeBytes).toBe(3766);
    expect(Object.keys(model.flavors)).toEqual(['python_function']);
    expect(model.flavors['python_function']).toMatchObject({ loader_module: 'mlflow.pyfunc.model', python_model: 'python_model.pkl', streamable: false });
    expect(model.savedInputExampleInfo).toEqual({ artifact_path: 'input_example.json', pandas_orient: 'split', type: 'dataframe' });
    expect(model.signature!.inputs).toEqual(FEATURES.map((name) => ({ type: 'double', name, required: true })));
    expect(model.signature!.outputs).toEqual([{ type: 'string', name: 'species', required: true }]);
    expect(model.signature!.params).toBeNull();
    expect(model.extra).toEqual({});
  });

  it('reads a tensor signature', () => {
    const model = parseMLmodel(fixture('mlp-h8', 'MLmodel'));
    expect(model.signature!.outputs).toEqual([{ name: 'probabilities', type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1, 3] } }]);
  });

  it('survives a rewrite unchanged in meaning', () => {
    for (const run of ['linear-softmax', 'mlp-h8']) {
      const model = parseMLmodel(fixture(run, 'MLmodel'));
      expect(parseMLmodel(stringifyMLmodel(model))).toEqual(model);
    }
  });
});

describe('stringifyMLmodel', () => {
  const model: MLmodel = {
    artifactPath: 'model',
    runId: 'abc',
    utcTimeCreated: '2026-11-26 20:37:32.934000',
    flavors: { tfjs: { weights: 'weights.bin', model_json: 'model.json' } },
    signature: { inputs: [{ type: 'double', name: 'x', required: true }], outputs: null, params: null },
    extra: { metadata: { owner: 'yes' } },
  };

  it('writes YAML the way PyYAML does: sorted keys, quoted timestamps and booleans-to-be', () => {
    const text = stringifyMLmodel(model);
    expect(text).toBe(
      [
        'artifact_path: model',
        'flavors:',
        '  tfjs:',
        '    model_json: model.json',
        '    weights: weights.bin',
        'metadata:',
        "  owner: 'yes'",
        'run_id: abc',
        'signature:',
        '  inputs: \'[{"type": "double", "name": "x", "required": true}]\'',
        '  outputs: null',
        '  params: null',
        "utc_time_created: '2026-11-26 20:37:32.934000'",
        '',
      ].join('\n'),
    );
    expect(parseMLmodel(text)).toEqual(model);
  });
});

describe('parseMLmodel errors', () => {
  function expectCorrupt(text: string, message: RegExp): void {
    thrownMlopsError(() => parseMLmodel(text, 'runs/1/model/MLmodel'), 'CORRUPT', message);
  }

  it('names the file and what was wrong', () => {
    expectCorrupt('flavors: [unclosed', /^runs\/1\/model\/MLmodel is not valid YAML/);
    expectCorrupt('- a\n- b\n', /expected a YAML mapping at the top level, found \["a","b"\]/);
    expectCorrupt('artifact_path: model\n', /expected "flavors" to map flavor names to mappings, found nothing/);
    expectCorrupt('flavors: {tfjs: 3}\n', /expected "flavors" to map flavor names to mappings, found \{"tfjs":3\}/);
    expectCorrupt("flavors: {}\nsignature:\n  inputs: '[{'\n", /signature.inputs is not valid JSON/);
    expectCorrupt("flavors: {}\nsignature:\n  inputs: '{}'\n", /expected signature.inputs to be a JSON list of objects, found \{\}/);
    expectCorrupt('flavors: {}\nrun_id: [1]\n', /expected "run_id" to be a string, found \[1\]/);
    expectCorrupt('flavors: {}\nmodel_size_bytes: big\n', /expected "model_size_bytes" to be a number, found "big"/);
  });
});

describe('logModelHistoryEntry', () => {
  it('rebuilds the entry MLflow put in the mlflow.log-model.history tag', () => {
    for (const run of ['linear-softmax', 'mlp-h8']) {
      const tag = JSON.parse(fixture(run, 'mlflow.log-model.history')) as unknown[];
      const entry = logModelHistoryEntry(parseMLmodel(fixture(run, 'MLmodel')));
      expect([entry]).toEqual(tag);
      // MLflow's key order, which a reader diffing the tag would see.
      expect(Object.keys(entry)).toEqual(Object.keys(tag[0] as object));
    }
  });

  it('takes the MLmodel from a file map and applies overrides', () => {
    const files = new Map([['MLmodel', new TextEncoder().encode(fixture('mlp-h8', 'MLmodel'))]]);
    const entry = logModelHistoryEntry(files, { runId: 'f00', artifactPath: 'classifier' });
    expect(entry['run_id']).toBe('f00');
    expect(entry['artifact_path']).toBe('classifier');
    expect(entry['model_uuid']).toBe('4ff202b69c8c44289f996aa1fae41d5f');
    expect(() => logModelHistoryEntry(new Map([['model.json', new Uint8Array()]]))).toThrow(/have no MLmodel; found model.json/);
  });
});

describe('appendLogModelHistory', () => {
  const entry = { run_id: 'r2', artifact_path: 'model' };

  it('starts a list, or appends keeping the existing text as it was', () => {
    expect(appendLogModelHistory(undefined, entry)).toBe('[{"run_id": "r2", "artifact_path": "model"}]');
    expect(appendLogModelHistory('[]', entry)).toBe('[{"run_id": "r2", "artifact_path": "model"}]');
    const existing = fixture('mlp-h8', 'mlflow.log-model.history');
    const appended = appendLogModelHistory(existing, entry);
    expect(appended.startsWith(existing.slice(0, -1))).toBe(true);
    expect(appended.endsWith(`, ${pythonJsonDumps(entry)}]`)).toBe(true);
    expect(JSON.parse(appended)).toHaveLength(2);
  });

  it('refuses a tag that is not a JSON list', () => {
    expect(() => appendLogModelHistory('{"a": 1}', entry)).toThrow(/expected a JSON list/);
    expect(() => appendLogModelHistory('[{', entry)).toThrow(/not valid JSON/);
  });
});
