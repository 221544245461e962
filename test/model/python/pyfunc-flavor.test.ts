import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PYFUNC_LOADER_MODULE } from '../../../src/model/python/loader-source.js';
import { metadataCopies, pyfuncCodeFiles, pyfuncEnvironmentFiles, pythonFunctionFlavor } from '../../../src/model/python/pyfunc-flavor.js';

// A pyfunc model that real MLflow 2.12.2 logged (test/fixtures/mlflow-filestore/README.md).
const MLFLOW_MODEL = new URL('../../fixtures/mlflow-filestore/direct/mlruns/468338213620039538/172a088977b348f4832d36e46b8c758a/artifacts/model/', import.meta.url);
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

describe('the python_function companion files', () => {
  it('names the loader module in code/ and the environment files, with the keys MLflow reads', () => {
    expect(pythonFunctionFlavor()).toEqual({
      code: 'code',
      env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
      loader_module: PYFUNC_LOADER_MODULE,
      python_version: '3.11.2',
    });
    expect([...pyfuncCodeFiles().keys()]).toEqual([`code/${PYFUNC_LOADER_MODULE}.py`]);
    expect(text(pyfuncCodeFiles().get(`code/${PYFUNC_LOADER_MODULE}.py`))).toContain('def _load_pyfunc(path):');
  });

  it("writes python_env.yaml exactly as MLflow 2.12.2 did, and conda.yaml and requirements.txt in its layout", async () => {
    const files = pyfuncEnvironmentFiles();
    expect(text(files.get('python_env.yaml'))).toBe(await readFile(new URL('python_env.yaml', MLFLOW_MODEL), 'utf8'));
    const theirs = (await readFile(new URL('conda.yaml', MLFLOW_MODEL), 'utf8')).split('\n');
    const ours = text(files.get('conda.yaml')).split('\n');
    // Everything but the pip pins (theirs pin cloudpickle for a pickled model; ours need numpy and pandas).
    const shape = (lines: string[]) => lines.filter((line) => !line.startsWith('  - '));
    expect(shape(ours)).toEqual(shape(theirs));
    expect(ours.filter((line) => line.startsWith('  - '))).toEqual(['  - mlflow==2.12.2', '  - numpy>=1.21', '  - pandas>=1.3']);
    const requirements = text(files.get('requirements.txt'));
    expect(requirements).toBe('mlflow==2.12.2\nnumpy>=1.21\npandas>=1.3');
    // No final newline, like MLflow's.
    expect((await readFile(new URL('requirements.txt', MLFLOW_MODEL), 'utf8')).endsWith('\n')).toBe(false);
  });

  it('copies MLmodel and the environment files into metadata/, as MLflow 2.12 does', () => {
    const files = new Map([['MLmodel', new Uint8Array([1])], ...pyfuncEnvironmentFiles(), ['model.json', new Uint8Array([2])]]);
    expect([...metadataCopies(files).keys()]).toEqual(['metadata/MLmodel', 'metadata/conda.yaml', 'metadata/python_env.yaml', 'metadata/requirements.txt']);
    expect(metadataCopies(files).get('metadata/conda.yaml')).toBe(files.get('conda.yaml'));
  });
});
