import { utimes } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { LocalVolumeStore } from '../../../src/workspace/local/volumes.js';
import { readStoredSchema, SCHEMA_FILE, writeStoredSchema } from '../../../src/stages/ingest/stored-schema.js';
import { formatSchema, parseSchema } from '../../../src/stages/ingest/schema.js';
import { trainingSchema } from '../../../src/stages/train/train.js';
import { localStage } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const PENGUINS = "species STRING NOT NULL LABEL, island STRING, bill_length_mm DOUBLE, `body mass` DOUBLE, year BIGINT EXCLUDE";
const OUT = '/Volumes/main/p/raw/ingested';

describe('the schema stored with the ingested data', () => {
  it('round-trips LABEL, EXCLUDE and quoted names, and is rewritten only when it changes', async () => {
    const { ctx } = await localStage(await tempDir());
    const volumes = ctx.workspace.volumes;
    expect(await readStoredSchema(volumes, OUT)).toBeUndefined();
    await writeStoredSchema(volumes, OUT, parseSchema(PENGUINS));
    expect(formatSchema((await readStoredSchema(volumes, OUT))!)).toBe(formatSchema(parseSchema(PENGUINS)));
    // Dated back a year: a rewrite would give it the current time.
    const yearAgo = new Date(Math.floor(Date.now() / 1000 - 365 * 86_400) * 1000);
    await utimes((volumes as LocalVolumeStore).localPath(`${OUT}/${SCHEMA_FILE}`), yearAgo, yearAgo);
    await writeStoredSchema(volumes, OUT, parseSchema(PENGUINS));
    expect((await volumes.stat(`${OUT}/${SCHEMA_FILE}`))!.modifiedAt).toBe(yearAgo.getTime());
    await writeStoredSchema(volumes, OUT, parseSchema('a DOUBLE, b STRING NOT NULL LABEL'));
    expect(formatSchema((await readStoredSchema(volumes, OUT))!)).toBe('a DOUBLE, b STRING NOT NULL LABEL');
  });

  it('names the file when it is not a stored schema', async () => {
    const { ctx } = await localStage(await tempDir());
    await ctx.workspace.volumes.write(`${OUT}/${SCHEMA_FILE}`, '{"columns": 3}');
    await expect(readStoredSchema(ctx.workspace.volumes, OUT)).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH', message: expect.stringContaining(`${OUT}/${SCHEMA_FILE}: expected {"schema"`) });
  });

  it('is what training reads when its schema parameter is unset; a set one wins; none stored is Iris', async () => {
    const { ctx } = await localStage(await tempDir());
    await writeStoredSchema(ctx.workspace.volumes, OUT, parseSchema(PENGUINS));
    expect(formatSchema(await trainingSchema(ctx, { schema: undefined, data_path: OUT }))).toBe(formatSchema(parseSchema(PENGUINS)));
    expect(formatSchema(await trainingSchema(ctx, { schema: parseSchema('x DOUBLE, y STRING LABEL'), data_path: OUT }))).toBe('x DOUBLE, y STRING LABEL');
    expect(formatSchema(await trainingSchema(ctx, { schema: undefined, data_path: '/Volumes/main/p/other' }))).toBe(formatSchema(parseSchema('')));
  });
});
