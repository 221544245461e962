import { PYFUNC_LOADER_MODULE, PYFUNC_LOADER_SOURCE } from './loader-source.js';

/**
 * The `python_function` companion flavor: what MLflow 2.12 writes for a pyfunc model whose code
 * ships with it (mlflow/pyfunc/__init__.py: loader_module, code, env, python_version), the
 * environment files next to MLmodel, and the `metadata/` copies MLflow 2.12 adds so a model's
 * metadata can be read without its weights. Pure: returns file contents.
 */

export const PYFUNC_FLAVOR = 'python_function';
/** The folder MLflow puts on sys.path before importing loader_module. */
export const PYFUNC_CODE_DIR = 'code';
/** The Python the environment files name (Debian 12's, also that of the MLflow 2.12.2 recordings). */
export const PYFUNC_PYTHON_VERSION = '3.11.2';

const MLFLOW_VERSION = '2.12.2';

export const PYFUNC_FILES = {
  loader: `${PYFUNC_CODE_DIR}/${PYFUNC_LOADER_MODULE}.py`,
  conda: 'conda.yaml',
  virtualenv: 'python_env.yaml',
  requirements: 'requirements.txt',
} as const;

/** The files MLflow 2.12 copies into `metadata/` (MLmodel and the environment files). */
export const METADATA_DIR = 'metadata';
export const METADATA_FILES = ['MLmodel', PYFUNC_FILES.conda, PYFUNC_FILES.virtualenv, PYFUNC_FILES.requirements] as const;

/** What the loader imports: mlflow to be loaded at all, numpy for the arithmetic, pandas for DataFrames. */
const REQUIREMENTS = [`mlflow==${MLFLOW_VERSION}`, 'numpy>=1.21', 'pandas>=1.3'];

/** The block under `flavors.python_function` in MLmodel. */
export function pythonFunctionFlavor(): Record<string, unknown> {
  return {
    code: PYFUNC_CODE_DIR,
    env: { conda: PYFUNC_FILES.conda, virtualenv: PYFUNC_FILES.virtualenv },
    loader_module: PYFUNC_LOADER_MODULE,
    python_version: PYFUNC_PYTHON_VERSION,
  };
}

/** The loader module, written before MLmodel (so MLflow counts it in model_size_bytes). */
export function pyfuncCodeFiles(): Map<string, Uint8Array> {
  return new Map([[PYFUNC_FILES.loader, new TextEncoder().encode(PYFUNC_LOADER_SOURCE)]]);
}

/** conda.yaml, python_env.yaml and requirements.txt, in MLflow 2.12's exact layout. */
export function pyfuncEnvironmentFiles(): Map<string, Uint8Array> {
  const encoder = new TextEncoder();
  const conda = [
    'channels:',
    '- conda-forge',
    'dependencies:',
    `- python=${PYFUNC_PYTHON_VERSION}`,
    '- pip<=23.0.1',
    '- pip:',
    ...REQUIREMENTS.map((requirement) => `  - ${requirement}`),
    'name: mlflow-env',
    '',
  ].join('\n');
  // python_env.yaml keeps MLflow's key order (python, build_dependencies, dependencies), not sorted.
  const virtualenv = [`python: ${PYFUNC_PYTHON_VERSION}`, 'build_dependencies:', '- pip==23.0.1', '- setuptools', '- wheel==0.38.4', 'dependencies:', '- -r requirements.txt', ''].join('\n');
  return new Map([
    [PYFUNC_FILES.conda, encoder.encode(conda)],
    [PYFUNC_FILES.virtualenv, encoder.encode(virtualenv)],
    // One requirement per line and no final newline, as MLflow writes it.
    [PYFUNC_FILES.requirements, encoder.encode(REQUIREMENTS.join('\n'))],
  ]);
}

/** `metadata/<file>` copies of MLmodel and the environment files taken from `files`. */
export function metadataCopies(files: ReadonlyMap<string, Uint8Array>): Map<string, Uint8Array> {
  const copies = new Map<string, Uint8Array>();
  for (const name of METADATA_FILES) {
    const bytes = files.get(name);
    if (bytes !== undefined) copies.set(`${METADATA_DIR}/${name}`, bytes);
  }
  return copies;
}
