import { MlopsError } from '../../errors.js';
import type { CallOptions, VolumeStore } from '../../workspace/types.js';
import { joinVolumePath } from './output.js';
import { formatSchema, parseSchema, type IngestSchema } from './schema.js';

/**
 * The schema the ingested data was read by, stored beside it (hidden from Parquet readers by the _),
 * so that training finds its label and features in ingest's output when its own `schema`
 * parameter is not set: the data carries its schema, no variable has to repeat it.
 */
export const SCHEMA_FILE = '_schema.json';

interface StoredSchema {
  /** The schema as DDL text (formatSchema), e.g. "species STRING NOT NULL LABEL, island STRING". */
  schema: string;
}

/** Writes <outputPath>/_schema.json unless it already holds this schema (an unchanged file keeps its time). */
export async function writeStoredSchema(volumes: VolumeStore, outputPath: string, schema: IngestSchema, call: CallOptions = {}): Promise<void> {
  const path = joinVolumePath(outputPath, SCHEMA_FILE);
  const text = `${JSON.stringify({ schema: formatSchema(schema) } satisfies StoredSchema, null, 2)}\n`;
  if ((await volumes.exists(path, call)) && new TextDecoder().decode(await volumes.read(path, call)) === text) return;
  await volumes.write(path, text, { ...call, overwrite: true });
}

/**
 * The schema stored with the ingested data under dataPath, or undefined when there is none (data
 * ingested before schemas were stored). A stored file that cannot be read is SCHEMA_MISMATCH naming it.
 */
export async function readStoredSchema(volumes: VolumeStore, dataPath: string, call: CallOptions = {}): Promise<IngestSchema | undefined> {
  const path = joinVolumePath(dataPath, SCHEMA_FILE);
  if (!(await volumes.exists(path, call))) return undefined;
  const text = new TextDecoder().decode(await volumes.read(path, call));
  try {
    const stored = JSON.parse(text) as Partial<StoredSchema>;
    if (typeof stored.schema !== 'string') throw new Error('no "schema" text in it');
    return parseSchema(stored.schema);
  } catch (error) {
    throw new MlopsError('SCHEMA_MISMATCH', `${path}: expected {"schema": "<column definitions>"} as written by ingestion, found ${text.slice(0, 120)}: ${error instanceof Error ? error.message : String(error)}`, {
      details: { path },
      cause: error,
    });
  }
}
