import type { StageDeclaration } from '../declaration.js';
import { ingestWith } from './ingest.js';
import { INGEST_PARAMS, ingestSettings, type IngestParamValues } from './params.js';

/** data_ingestion_job's stage: new landing files → Parquet on the volume, exactly once. */
export const ingestStage: StageDeclaration<IngestParamValues, 'ingestion'> = {
  ...INGEST_PARAMS,
  summary: 'lands new source files as Parquet under <volume_path>/ingested, each exactly once',
  reads: {},
  produces: 'ingestion',
  run: (ctx, { params }) => ingestWith(ctx, ingestSettings(params)),
};
