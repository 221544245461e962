import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  experimentFromMeta,
  modelVersionFromMeta,
  modelVersionToMeta,
  registeredModelFromMeta,
  runFromMeta,
  runToMeta,
  toModelVersion,
  toRunInfo,
} from '../../../src/tracking/file-store/entities.js';
import { dumpMetaYaml, parseMetaYaml } from '../../../src/tracking/file-store/meta-yaml.js';
import { FIXTURE_ROOT, SERVER } from './fixture-helpers.js';

async function fixtureDoc(relative: string) {
  const file = join(FIXTURE_ROOT, 'server/mlruns', relative);
  const text = await readFile(file, 'utf8');
  return { text, doc: parseMetaYaml(text, file) };
}

describe('entities', () => {
  it('reads an MLflow run meta.yaml and writes the same bytes back', async () => {
    const { text, doc } = await fixtureDoc(`${SERVER.experimentId}/${SERVER.mlpRun}/meta.yaml`);
    const stored = runFromMeta(doc);
    expect(stored).toMatchObject({ runId: SERVER.mlpRun, runName: 'mlp-h8', status: 'FINISHED', userId: 'root', startTime: 1795725449477, endTime: 1795725449578 });
    expect(dumpMetaYaml(runToMeta(stored))).toBe(text);
  });

  it('reads a model version meta.yaml and writes the same bytes back', async () => {
    const { text, doc } = await fixtureDoc('models/iris_classifier/version-1/meta.yaml');
    const stored = modelVersionFromMeta(doc);
    expect(stored).toMatchObject({ version: 1, currentStage: 'None', description: '', runLink: '', statusMessage: null, userId: null });
    expect(dumpMetaYaml(modelVersionToMeta(stored, []))).toBe(text);
    expect(toModelVersion(stored, {}, []).version).toBe('1');
  });

  it('maps run status codes and falls back to the runName tag for old runs', () => {
    const doc = parseMetaYaml("run_uuid: abc\nexperiment_id: 0\nstatus: 5\nend_time: null\nlifecycle_stage: deleted\ndeleted_time: 7\n", 'legacy.yaml');
    const stored = runFromMeta(doc);
    expect(stored).toMatchObject({ runId: 'abc', experimentId: '0', status: 'KILLED', lifecycleStage: 'deleted', deletedTime: 7 });
    expect(toRunInfo(stored, { 'mlflow.runName': 'from-tag' }).runName).toBe('from-tag');
    expect(runToMeta(stored).deleted_time).toBe(7);
    expect(() => runFromMeta(parseMetaYaml('run_id: a\nexperiment_id: "0"\nstatus: 9\n', 'bad.yaml'))).toThrow(/bad.yaml: key "status"/);
  });

  it('reads experiments and registered models with their optional fields', async () => {
    expect(experimentFromMeta((await fixtureDoc('0/meta.yaml')).doc)).toEqual({
      experimentId: '0',
      name: 'Default',
      artifactLocation: 'mlflow-artifacts:/0',
      lifecycleStage: 'active',
      creationTime: 1795725447972,
      lastUpdateTime: 1795725447972,
    });
    expect(registeredModelFromMeta((await fixtureDoc('models/iris_classifier/meta.yaml')).doc).description).toBe(
      'Iris species classifier (numpy softmax), fixture.',
    );
  });
});
