import { describe, expect, it } from 'vitest';
import {
  experimentFromJson,
  experimentToJson,
  JsonPath,
  metricFromJson,
  metricToJson,
  modelVersionFromJson,
  modelVersionToJson,
  registeredModelFromJson,
  registeredModelToJson,
  runFromJson,
  runToJson,
} from '../../../src/tracking/rest/wire.js';
import { readTranscript } from './transcript.js';

const transcript = readTranscript();
const body = (number: number) => JSON.parse(transcript.get(number)!.responseBody) as Record<string, unknown>;
const at = (what: string) => new JsonPath(`recorded ${what}`, '');

describe("MLflow's REST JSON, read and written back byte for byte", () => {
  it('experiments (get, #5)', () => {
    const recorded = body(5)['experiment'];
    expect(JSON.stringify(experimentToJson(experimentFromJson(recorded, at('experiment'))))).toBe(JSON.stringify(recorded));
  });

  it('runs with a NaN metric (runs/get, #20)', () => {
    const recorded = body(20)['run'];
    const run = runFromJson(recorded, at('run'));
    expect(Number.isNaN(run.data.metrics['weird']!.value)).toBe(true);
    expect(JSON.stringify(runToJson(run))).toBe(JSON.stringify(recorded));
  });

  it('model versions with aliases (registered-models/alias, #48)', () => {
    const recorded = body(48)['model_version'];
    expect(JSON.stringify(modelVersionToJson(modelVersionFromJson(recorded, at('model_version'))))).toBe(JSON.stringify(recorded));
  });

  it('registered models with latest versions, tags and aliases (registered-models/get, #49)', () => {
    const recorded = body(49)['registered_model'] as Record<string, unknown>;
    const latest = (recorded['latest_versions'] as unknown[]).map((version) => modelVersionFromJson(version, at('latest_versions')));
    expect(JSON.stringify(registeredModelToJson(registeredModelFromJson(recorded, at('registered_model')), latest))).toBe(JSON.stringify(recorded));
  });
});

describe('wire details', () => {
  it('writes NaN and infinities as proto3 strings and reads them, and int64 given as strings', () => {
    expect(metricToJson({ key: 'k', value: Number.NEGATIVE_INFINITY, timestamp: 1, step: 2 })).toEqual({ key: 'k', value: '-Infinity', timestamp: 1, step: 2 });
    expect(metricFromJson({ key: 'k', value: 'Infinity', timestamp: '1795723632626', step: '3' }, at('metric'))).toEqual({ key: 'k', value: Number.POSITIVE_INFINITY, timestamp: 1795723632626, step: 3 });
  });

  it('names the source and field of an unexpected response', () => {
    expect(() => runFromJson({ info: { run_id: 7 } }, new JsonPath('GET runs/get', 'run'))).toThrow("GET runs/get: expected run.info.run_id to be a string, found 7");
    expect(() => metricFromJson({ key: 'k', value: 'abc' }, new JsonPath('GET metrics/get-history', 'metrics[0]'))).toThrow(/metrics\[0\]\.value to be a number, found "abc"/);
  });
});
