import { randomUUID } from 'node:crypto';
import type { io, LayersModel } from '@tensorflow/tfjs';
import { MlopsError } from '../errors.js';
import { Classifier } from './classifier.js';
import { parseInputs, type InputColumn } from './encoding.js';
import { parseMLmodel, stringifyMLmodel, type ColumnSpec, type MLmodel, type ModelSignature } from './mlmodel.js';
export type { ModelFilesRead, Preprocessing } from './files-read.js';
import { PythonFloat, pythonJsonDumps } from './python-json.js';
import { metadataCopies, PYFUNC_FLAVOR, pyfuncCodeFiles, pyfuncEnvironmentFiles, pythonFunctionFlavor } from './python/pyfunc-flavor.js';
import type { ModelFilesRead, Preprocessing } from './files-read.js';
import { denseModelJson, denseNetworkFromFiles, denseWeightData, TFJS_LAYERS_VERSION } from './layers-json.js';
import { getTf, loadedTf, loadLayers } from './tf.js';

export {
  appendLogModelHistory,
  logModelHistoryEntry,
  parseMLmodel,
  stringifyMLmodel,
  type ColumnSpec,
  type MLmodel,
  type ModelSignature,
  type SchemaSpec,
  type TensorSpec,
} from './mlmodel.js';

/** Our flavor's name in MLmodel. */
export const TFJS_FLAVOR = 'tfjs';
/** The MLmodel format version the files follow (fields as MLflow 2.12.2 writes them). */
export const MLFLOW_FORMAT_VERSION = '2.12.2';

export const MODEL_FILES = {
  mlmodel: 'MLmodel',
  modelJson: 'model.json',
  weights: 'weights.bin',
  preprocessing: 'preprocessing.json',
  inputExample: 'input_example.json',
  requirements: 'requirements.txt',
} as const;

/** How many rows of an input example MLflow-style files keep. */
const INPUT_EXAMPLE_ROWS = 3;

export interface ModelFilesMeta {
  runId: string;
  /** The model's folder inside the run's artifacts, e.g. "model". */
  artifactPath: string;
  /** Milliseconds since the epoch; becomes utc_time_created. */
  now: number;
  /** Raw input rows in the order of the classifier's inputs (null = missing); the first three are kept. */
  inputExample?: (number | string | null)[][];
  /** 32 hex digits; random when omitted. */
  modelUuid?: string;
}

/**
 * The classifier as an MLflow model directory: relative path → bytes. Besides our `tfjs` flavor
 * files it has MLmodel with a column signature (features double in; `prediction` string and one
 * `probability_<label>` double per class out), the input example, and the `python_function`
 * flavor: a numpy loader module in code/, conda.yaml, python_env.yaml, requirements.txt and the
 * metadata/ copies, so that mlflow.pyfunc.load_model() (and spark_udf, and Databricks Model
 * Serving) can use the model.
 */
export async function modelToFiles(classifier: Classifier, meta: ModelFilesMeta): Promise<Map<string, Uint8Array>> {
  const encoder = new TextEncoder();
  const { modelJson, weights } = await layersModelFiles(classifier);
  const preprocessing: Preprocessing = {
    featureNames: [...classifier.featureNames],
    labels: [...classifier.labels],
    mean: [...classifier.normalization.mean],
    std: [...classifier.normalization.std],
    inputs: classifier.inputs.map((input) => structuredClone(input)),
    labelColumn: classifier.labelColumn,
  };

  const files = new Map<string, Uint8Array>();
  files.set(MODEL_FILES.modelJson, encoder.encode(modelJson));
  files.set(MODEL_FILES.weights, weights);
  files.set(MODEL_FILES.preprocessing, encoder.encode(`${JSON.stringify(preprocessing, null, 2)}\n`));
  if (meta.inputExample !== undefined) {
    files.set(MODEL_FILES.inputExample, encoder.encode(inputExampleJson(meta.inputExample, classifier.inputs.map((input) => input.name))));
  }
  for (const [path, bytes] of pyfuncCodeFiles()) files.set(path, bytes);
  // MLflow counts the files written before MLmodel (the model, its example and code), not MLmodel or the environment files.
  const modelSizeBytes = [...files.values()].reduce((total, bytes) => total + bytes.byteLength, 0);

  const mlmodel: MLmodel = {
    artifactPath: meta.artifactPath,
    flavors: {
      // Python's view: mlflow.pyfunc.load_model() imports the loader in code/ (numpy only).
      [PYFUNC_FLAVOR]: pythonFunctionFlavor(),
      [TFJS_FLAVOR]: {
        model_json: MODEL_FILES.modelJson,
        weights: MODEL_FILES.weights,
        preprocessing: MODEL_FILES.preprocessing,
        tfjs_version: loadedTf().version.tfjs,
      },
    },
    mlflowVersion: MLFLOW_FORMAT_VERSION,
    modelSizeBytes,
    modelUuid: meta.modelUuid ?? randomUUID().replaceAll('-', ''),
    runId: meta.runId,
    signature: classifierSignature(classifier),
    utcTimeCreated: formatUtcTimeCreated(meta.now),
    extra: {},
  };
  if (meta.inputExample !== undefined) {
    mlmodel.savedInputExampleInfo = { artifact_path: MODEL_FILES.inputExample, pandas_orient: 'split', type: 'dataframe' };
  }
  files.set(MODEL_FILES.mlmodel, encoder.encode(stringifyMLmodel(mlmodel)));
  for (const [path, bytes] of pyfuncEnvironmentFiles()) files.set(path, bytes);
  // MLflow 2.12 also keeps copies of MLmodel and the environment files under metadata/.
  for (const [path, bytes] of metadataCopies(files)) files.set(path, bytes);
  return files;
}

/**
 * Loads a classifier from a model directory written by modelToFiles; `read` returns a file's
 * bytes by its path relative to the model directory. A model without the tfjs flavor (e.g. a
 * Python pyfunc model) is INVALID_ARGUMENT; damaged files are CORRUPT.
 */
export async function modelFromFiles(read: (relativePath: string) => Promise<Uint8Array>): Promise<Classifier> {
  return classifierFromFiles(await readModelFiles(read));
}

/**
 * The first half of modelFromFiles, without TensorFlow.js: reads and checks the files, so that a
 * caller learns the feature names (and starts reading data) while tfjs is still loading.
 */
export async function readModelFiles(read: (relativePath: string) => Promise<Uint8Array>): Promise<ModelFilesRead> {
  const mlmodel = parseMLmodel(decode(await read(MODEL_FILES.mlmodel)), MODEL_FILES.mlmodel);
  const flavor = mlmodel.flavors[TFJS_FLAVOR];
  if (flavor === undefined) {
    const found = Object.keys(mlmodel.flavors);
    throw new MlopsError(
      'INVALID_ARGUMENT',
      `MLmodel has the flavor${found.length === 1 ? '' : 's'} ${found.join(', ') || '(none)'}; only models with the ${TFJS_FLAVOR} flavor (written by mlops-e2e) can be loaded`,
      { details: { flavors: found } },
    );
  }
  const fileOf = (key: string, fallback: string): string => {
    const value = flavor[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value === '') {
      throw new MlopsError('CORRUPT', `MLmodel: expected flavors.${TFJS_FLAVOR}.${key} to be a file name, found ${JSON.stringify(value)}`);
    }
    return value;
  };
  const modelJsonPath = fileOf('model_json', MODEL_FILES.modelJson);
  const weightsPath = fileOf('weights', MODEL_FILES.weights);
  const preprocessingPath = fileOf('preprocessing', MODEL_FILES.preprocessing);
  const [modelJsonBytes, weightBytes, preprocessingBytes] = await Promise.all([read(modelJsonPath), read(weightsPath), read(preprocessingPath)]);
  const modelJson = parseModelJson(decode(modelJsonBytes), modelJsonPath);
  const preprocessing = parsePreprocessing(decode(preprocessingBytes), preprocessingPath);
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const expectedBytes = weightSpecs.reduce((total, spec) => total + spec.shape.reduce((size, dim) => size * dim, 1) * bytesPerValue(spec.dtype), 0);
  if (weightBytes.byteLength !== expectedBytes) {
    throw new MlopsError('CORRUPT', `${weightsPath} has ${weightBytes.byteLength} bytes; ${modelJsonPath} describes ${expectedBytes}`, {
      details: { file: weightsPath, expected: expectedBytes, found: weightBytes.byteLength },
    });
  }
  return { modelJsonPath, preprocessingPath, modelTopology: modelJson.modelTopology, weightSpecs, weightData: toArrayBuffer(weightBytes), preprocessing };
}

/**
 * The second half of modelFromFiles: the files made into a classifier. The files this library
 * writes are read by our own code (see layers-json.ts); any other model is handed to
 * tfjs-layers' loadLayersModel, which accepts it or says what is wrong with it.
 */
export async function classifierFromFiles(files: ModelFilesRead): Promise<Classifier> {
  const { modelJsonPath, preprocessingPath, preprocessing } = files;
  const tf = await getTf();
  const layers = denseNetworkFromFiles(files);
  let model: LayersModel | undefined;
  if (layers === undefined) {
    try {
      // Without trainingConfig the model loads uncompiled: prediction needs no optimizer.
      model = await loadLayers().loadLayersModel(tf.io.fromMemory({ modelTopology: files.modelTopology, weightSpecs: files.weightSpecs, weightData: files.weightData }));
    } catch (error) {
      throw new MlopsError('CORRUPT', `${modelJsonPath} could not be loaded by TensorFlow.js: ${(error as Error).message}`, { cause: error });
    }
  }
  try {
    const common = {
      featureNames: preprocessing.featureNames,
      labels: preprocessing.labels,
      normalization: { mean: preprocessing.mean, std: preprocessing.std },
      ...(preprocessing.inputs ? { inputs: preprocessing.inputs } : {}),
      ...(preprocessing.labelColumn ? { labelColumn: preprocessing.labelColumn } : {}),
    };
    return new Classifier(model !== undefined ? { ...common, model } : { ...common, layers: layers! });
  } catch (error) {
    model?.dispose();
    if (error instanceof MlopsError && error.code === 'INVALID_ARGUMENT') {
      throw new MlopsError('CORRUPT', `${modelJsonPath} and ${preprocessingPath} do not make a classifier: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * model.json's text and weights.bin: written by our own code for a classifier made from its
 * layers (what tfjs-layers' save writes for them, byte for byte), else by the tfjs-layers model
 * the classifier was made from.
 */
async function layersModelFiles(classifier: Classifier): Promise<{ modelJson: string; weights: Uint8Array }> {
  const network = classifier.network();
  if (network !== undefined) return { modelJson: denseModelJson(network, MODEL_FILES.weights), weights: denseWeightData(network) };
  const tf = await getTf();
  let saved: io.ModelArtifacts | undefined;
  await classifier.model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (saved?.modelTopology === undefined || saved.weightSpecs === undefined || saved.weightData === undefined) {
    throw new MlopsError('INTERNAL', 'TensorFlow.js saved the model without its topology or weights');
  }
  const modelJson: io.ModelJSON = {
    modelTopology: saved.modelTopology,
    format: saved.format ?? 'layers-model',
    generatedBy: saved.generatedBy ?? `TensorFlow.js tfjs-layers v${TFJS_LAYERS_VERSION}`,
    convertedBy: saved.convertedBy ?? null,
    weightsManifest: [{ paths: [MODEL_FILES.weights], weights: saved.weightSpecs }],
  };
  if (saved.trainingConfig !== undefined) modelJson.trainingConfig = saved.trainingConfig;
  return { modelJson: JSON.stringify(modelJson), weights: joinWeightData(saved.weightData) };
}

/** The MLflow signature of a classifier: what the scoring output columns are. */
export function classifierSignature(classifier: Pick<Classifier, 'inputs' | 'labels'>): ModelSignature {
  const column = (type: string, name: string, required = true): ColumnSpec => ({ type, name, required });
  return {
    // A missing value is allowed where the model imputes it or reads it as a category (all zeros).
    inputs: classifier.inputs.map((input) => (input.kind === 'numeric' ? column('double', input.name, input.impute === undefined) : column('string', input.name, false))),
    outputs: [column('string', 'prediction'), ...classifier.labels.map((label) => column('double', `probability_${label}`))],
    params: null,
  };
}

/** MLflow's utc_time_created: `YYYY-MM-DD HH:MM:SS.ffffff` in UTC (our clock has milliseconds). */
export function formatUtcTimeCreated(epochMillis: number): string {
  const iso = new Date(epochMillis).toISOString(); // 2026-11-26T20:37:32.934Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

function inputExampleJson(rows: (number | string | null)[][], featureNames: readonly string[]): string {
  const kept = rows.slice(0, INPUT_EXAMPLE_ROWS);
  kept.forEach((row, index) => {
    if (row.length !== featureNames.length) {
      throw new MlopsError(
        'INVALID_ARGUMENT',
        `inputExample row ${index} has ${row.length} values; expected one per feature (${featureNames.join(', ')})`,
      );
    }
  });
  // Python floats, so that pandas reads double columns even for values like 7.0.
  return pythonJsonDumps({ columns: featureNames, data: kept.map((row) => row.map((value) => (typeof value === 'number' ? new PythonFloat(value) : value))) });
}

function parseModelJson(text: string, path: string): io.ModelJSON {
  const parsed = parseJson(text, path);
  const manifest = parsed['weightsManifest'];
  if (typeof parsed['modelTopology'] !== 'object' || parsed['modelTopology'] === null || !Array.isArray(manifest)) {
    throw new MlopsError('CORRUPT', `${path}: expected a TensorFlow.js model.json with modelTopology and weightsManifest`, { details: { file: path } });
  }
  for (const group of manifest as unknown[]) {
    const weights = (group as { weights?: unknown } | null)?.weights;
    if (!Array.isArray(weights) || !weights.every((spec) => Array.isArray((spec as { shape?: unknown } | null)?.shape))) {
      throw new MlopsError('CORRUPT', `${path}: every weightsManifest entry needs a list of weights with shapes`, { details: { file: path } });
    }
  }
  return parsed as unknown as io.ModelJSON;
}

function parsePreprocessing(text: string, path: string): Preprocessing {
  const parsed = parseJson(text, path);
  const strings = (key: string): string[] => {
    const value = parsed[key];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw new MlopsError('CORRUPT', `${path}: expected "${key}" to be a list of strings, found ${JSON.stringify(value)}`, { details: { file: path, key } });
    }
    return value as string[];
  };
  const numbers = (key: string): number[] => {
    const value = parsed[key];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'number')) {
      throw new MlopsError('CORRUPT', `${path}: expected "${key}" to be a list of numbers, found ${JSON.stringify(value)}`, { details: { file: path, key } });
    }
    return value as number[];
  };
  const preprocessing: Preprocessing = { featureNames: strings('featureNames'), labels: strings('labels'), mean: numbers('mean'), std: numbers('std') };
  if (parsed['inputs'] !== undefined) preprocessing.inputs = parseInputs(parsed['inputs'], path);
  if (typeof parsed['labelColumn'] === 'string') preprocessing.labelColumn = parsed['labelColumn'];
  return preprocessing;
}

function parseJson(text: string, path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MlopsError('CORRUPT', `${path} is not valid JSON: ${(error as Error).message}`, { cause: error, details: { file: path } });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MlopsError('CORRUPT', `${path}: expected a JSON object`, { details: { file: path } });
  }
  return parsed as Record<string, unknown>;
}

function bytesPerValue(dtype: string): number {
  // Weights are float32 here; the others are what tfjs may write for other models.
  return dtype === 'bool' || dtype === 'string' ? 1 : 4;
}

function joinWeightData(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  const joined = new Uint8Array(parts.reduce((total, part) => total + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(new Uint8Array(part), offset);
    offset += part.byteLength;
  }
  return joined;
}

/** A fresh ArrayBuffer holding exactly these bytes (a Node Buffer may be a view into a shared pool). */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
