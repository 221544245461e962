import YAML from 'yaml';
import { MlopsError } from '../errors.js';
import { parseYamlSubset } from '../io/yaml-subset.js';
import { pythonJsonDumps } from './python-json.js';

/** A column of an MLflow signature, as MLflow serialises it. */
export interface ColumnSpec {
  type: string;
  name?: string;
  required?: boolean;
}

/** A tensor of an MLflow signature, as MLflow serialises it. */
export interface TensorSpec {
  type: 'tensor';
  name?: string;
  'tensor-spec': { dtype: string; shape: number[] };
}

export type SchemaSpec = ColumnSpec | TensorSpec;

export interface ModelSignature {
  inputs: SchemaSpec[] | null;
  outputs: SchemaSpec[] | null;
  params: Record<string, unknown>[] | null;
}

/**
 * An `MLmodel` file. Fields MLflow defines for every model are typed; each flavor's block and
 * `saved_input_example_info` stay as written, since their keys belong to the flavor.
 */
export interface MLmodel {
  artifactPath?: string;
  runId?: string;
  modelUuid?: string;
  /** `YYYY-MM-DD HH:MM:SS.ffffff`, UTC. */
  utcTimeCreated?: string;
  mlflowVersion?: string;
  modelSizeBytes?: number;
  flavors: Record<string, Record<string, unknown>>;
  signature?: ModelSignature;
  savedInputExampleInfo?: Record<string, unknown>;
  /** Top-level keys not named above (metadata, databricks_runtime, …), kept for a lossless rewrite. */
  extra: Record<string, unknown>;
}

const KNOWN_KEYS = [
  'artifact_path',
  'run_id',
  'model_uuid',
  'utc_time_created',
  'mlflow_version',
  'model_size_bytes',
  'flavors',
  'signature',
  'saved_input_example_info',
] as const;

/** Parses MLmodel YAML; `source` names the file in errors. Malformed content is CORRUPT. */
export function parseMLmodel(text: string, source = 'MLmodel'): MLmodel {
  let document: unknown;
  try {
    // YAML 1.2 core keeps `2026-11-26 20:37:32.934164` and `yes` as strings; MLflow quotes what 1.1 would convert.
    // The usual shape is read without the library (its first parse is ~20 ms of cold code): parseYamlSubset gives the same data or declines.
    const subset = parseYamlSubset(text);
    document = subset !== undefined ? subset.value : YAML.parse(text);
  } catch (error) {
    throw new MlopsError('CORRUPT', `${source} is not valid YAML: ${(error as Error).message}`, { cause: error, details: { file: source } });
  }
  if (!isRecord(document)) {
    throw new MlopsError('CORRUPT', `${source}: expected a YAML mapping at the top level, found ${describeValue(document)}`, { details: { file: source } });
  }
  const flavors = document['flavors'];
  if (!isRecord(flavors) || !Object.values(flavors).every(isRecord)) {
    throw new MlopsError('CORRUPT', `${source}: expected "flavors" to map flavor names to mappings, found ${describeValue(flavors)}`, {
      details: { file: source, key: 'flavors' },
    });
  }
  const model: MLmodel = { flavors: flavors as Record<string, Record<string, unknown>>, extra: {} };
  const text_ = (key: string): string | undefined => optionalString(document, key, source);
  const artifactPath = text_('artifact_path');
  if (artifactPath !== undefined) model.artifactPath = artifactPath;
  const runId = text_('run_id');
  if (runId !== undefined) model.runId = runId;
  const modelUuid = text_('model_uuid');
  if (modelUuid !== undefined) model.modelUuid = modelUuid;
  const created = text_('utc_time_created');
  if (created !== undefined) model.utcTimeCreated = created;
  const mlflowVersion = text_('mlflow_version');
  if (mlflowVersion !== undefined) model.mlflowVersion = mlflowVersion;
  const size = document['model_size_bytes'];
  if (size !== undefined && size !== null) {
    if (typeof size !== 'number') {
      throw new MlopsError('CORRUPT', `${source}: expected "model_size_bytes" to be a number, found ${describeValue(size)}`, {
        details: { file: source, key: 'model_size_bytes' },
      });
    }
    model.modelSizeBytes = size;
  }
  if (document['signature'] !== undefined && document['signature'] !== null) {
    model.signature = parseSignature(document['signature'], source);
  }
  const exampleInfo = document['saved_input_example_info'];
  if (isRecord(exampleInfo)) model.savedInputExampleInfo = exampleInfo;
  for (const [key, value] of Object.entries(document)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) model.extra[key] = value;
  }
  return model;
}

/** MLmodel YAML the way MLflow (PyYAML) writes it: keys sorted, signature schemas as JSON strings. */
export function stringifyMLmodel(model: MLmodel): string {
  const document: Record<string, unknown> = { ...model.extra, ...mlmodelFields(model) };
  if (model.signature !== undefined) document['signature'] = signatureToDict(model.signature);
  // YAML 1.1 so that strings PyYAML would misread (timestamps, yes/no) come out quoted.
  return YAML.stringify(sortKeys(document), { version: '1.1', singleQuote: true, indentSeq: false });
}

/**
 * The object MLflow appends to a run's `mlflow.log-model.history` tag for one logged model,
 * with MLflow's key order. `overrides` fill in or replace the run id and artifact path.
 */
export function logModelHistoryEntry(
  source: MLmodel | ReadonlyMap<string, Uint8Array>,
  overrides: { runId?: string; artifactPath?: string } = {},
): Record<string, unknown> {
  const model = isMLmodel(source) ? source : mlmodelFromFiles(source);
  const fields = mlmodelFields({ ...model, ...definedOnly(overrides) });
  const entry: Record<string, unknown> = {
    run_id: fields['run_id'],
    artifact_path: fields['artifact_path'],
    utc_time_created: fields['utc_time_created'],
    flavors: fields['flavors'],
    model_uuid: fields['model_uuid'],
    mlflow_version: fields['mlflow_version'],
    signature: model.signature === undefined ? undefined : signatureToDict(model.signature),
    saved_input_example_info: fields['saved_input_example_info'],
    model_size_bytes: fields['model_size_bytes'],
    ...model.extra,
  };
  return Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined));
}

/**
 * The new value of the `mlflow.log-model.history` tag: the existing list (text kept as it was)
 * with `entry` appended, in Python's JSON style like MLflow writes it.
 */
export function appendLogModelHistory(existing: string | undefined, entry: Record<string, unknown>): string {
  const added = pythonJsonDumps(entry);
  if (existing === undefined || existing.trim() === '') return `[${added}]`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(existing);
  } catch (error) {
    throw new MlopsError('CORRUPT', `Tag mlflow.log-model.history is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(parsed)) {
    throw new MlopsError('CORRUPT', `Tag mlflow.log-model.history: expected a JSON list, found ${describeValue(parsed)}`);
  }
  if (parsed.length === 0) return `[${added}]`;
  const body = existing.trimEnd();
  return `${body.slice(0, -1)}, ${added}]`;
}

/** A signature's schemas as MLflow stores them: each a JSON string in Python's style. */
export function signatureToDict(signature: ModelSignature): Record<string, string | null> {
  const dump = (value: unknown[] | null) => (value === null ? null : pythonJsonDumps(value));
  return { inputs: dump(signature.inputs), outputs: dump(signature.outputs), params: dump(signature.params) };
}

function mlmodelFields(model: MLmodel): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    artifact_path: model.artifactPath,
    flavors: model.flavors,
    mlflow_version: model.mlflowVersion,
    model_size_bytes: model.modelSizeBytes,
    model_uuid: model.modelUuid,
    run_id: model.runId,
    saved_input_example_info: model.savedInputExampleInfo,
    utc_time_created: model.utcTimeCreated,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

function mlmodelFromFiles(files: ReadonlyMap<string, Uint8Array>): MLmodel {
  const bytes = files.get('MLmodel');
  if (bytes === undefined) {
    throw new MlopsError('INVALID_ARGUMENT', `The model files have no MLmodel; found ${[...files.keys()].join(', ') || 'no files'}`);
  }
  return parseMLmodel(new TextDecoder().decode(bytes));
}

function isMLmodel(source: MLmodel | ReadonlyMap<string, Uint8Array>): source is MLmodel {
  return !(source instanceof Map) && 'flavors' in source;
}

function parseSignature(value: unknown, source: string): ModelSignature {
  if (!isRecord(value)) {
    throw new MlopsError('CORRUPT', `${source}: expected "signature" to be a mapping, found ${describeValue(value)}`, {
      details: { file: source, key: 'signature' },
    });
  }
  const schema = (key: 'inputs' | 'outputs' | 'params'): Record<string, unknown>[] | null => {
    const raw = value[key];
    if (raw === undefined || raw === null) return null;
    let parsed: unknown = raw;
    if (typeof raw === 'string') {
      try {
        parsed = JSON.parse(raw);
      } catch (error) {
        throw new MlopsError('CORRUPT', `${source}: signature.${key} is not valid JSON: ${(error as Error).message}`, {
          cause: error,
          details: { file: source, key: `signature.${key}` },
        });
      }
    }
    if (!Array.isArray(parsed) || !parsed.every(isRecord)) {
      throw new MlopsError('CORRUPT', `${source}: expected signature.${key} to be a JSON list of objects, found ${describeValue(parsed)}`, {
        details: { file: source, key: `signature.${key}` },
      });
    }
    return parsed;
  };
  return {
    inputs: schema('inputs') as SchemaSpec[] | null,
    outputs: schema('outputs') as SchemaSpec[] | null,
    params: schema('params'),
  };
}

function optionalString(document: Record<string, unknown>, key: string, source: string): string | undefined {
  const value = document[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new MlopsError('CORRUPT', `${source}: expected "${key}" to be a string, found ${describeValue(value)}`, {
      details: { file: source, key },
    });
  }
  return value;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
