import { describe, expect, it } from 'vitest';
import { IRIS_SCHEMA } from '../../../src/stages/ingest/schema.js';
import { loadLabelledData } from '../../../src/stages/train/training-data.js';
import { DATA_PATH, ingestIris, localStage } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('loadLabelledData', () => {
  it('reads every ingested row with sorted class names', async () => {
    const { ctx } = await localStage(await tempDir());
    await ingestIris(ctx);
    const data = await loadLabelledData(ctx, DATA_PATH, IRIS_SCHEMA);
    expect(data.rows).toBe(150);
    expect(data.labelNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(data.features).toHaveLength(600);
    expect(new Set(data.labels)).toEqual(new Set([0, 1, 2]));
  });

  it('says to run ingestion first when there is nothing to train on', async () => {
    const { ctx } = await localStage(await tempDir());
    await expect(loadLabelledData(ctx, DATA_PATH, IRIS_SCHEMA)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('Run the ingest stage (data_ingestion_job) first') });
    await ctx.workspace.volumes.mkdirs(DATA_PATH);
    await expect(loadLabelledData(ctx, DATA_PATH, IRIS_SCHEMA)).rejects.toThrow(`No ingested rows under ${DATA_PATH}: run data_ingestion_job first`);
  });
});
