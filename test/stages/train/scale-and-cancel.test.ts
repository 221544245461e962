import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../../src/errors.js';
import { runIngest } from '../../../src/stages/ingest/ingest.js';
import { runTrain, TRAINING_SAMPLE_TAG } from '../../../src/stages/train/train.js';
import { MODEL_NAME, VOLUME, ingestIris, localStage, trainParams } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const SPECIES = ['setosa', 'versicolor', 'virginica'];

/** A seeded Iris-shaped landing CSV of `rows` rows (one-decimal measurements, shifted per class). */
async function writeLandingCsv(file: string, rows: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  out.write('sepal_length,sepal_width,petal_length,petal_width,species\n');
  const chunk: string[] = [];
  for (let row = 0; row < rows; row++) {
    const k = row % 3;
    const cells = [5 + k * 0.8 + next(), 3.3 - k * 0.3 + next() * 0.5, 1.5 + k * 2 + next(), 0.2 + k * 0.9 + next() * 0.5].map((v) => v.toFixed(1));
    chunk.push(`${cells.join(',')},${SPECIES[k]}`);
    if (chunk.length === 50_000 || row === rows - 1) {
      if (!out.write(`${chunk.join('\n')}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk.length = 0;
    }
  }
  out.end();
  await finished(out);
}

describe('model_training_job at scale', () => {
  // Issue 18: with 2,000,300 ingested rows training failed with "Maximum call stack size exceeded".
  it('trains on 2,000,300 ingested rows: a seeded stratified sample of max_train_rows, all test rows kept, and says so', { timeout: 600_000 }, async () => {
    const dir = await tempDir();
    const stage = await localStage(dir);
    const landing = path.join(dir, 'landing');
    await writeLandingCsv(path.join(landing, 'big.csv'), 2_000_000);
    await runIngest(stage.ctx, { source_path: landing, volume_path: VOLUME, checkpoint_path: `${VOLUME}/checkpoints` });
    await ingestIris(stage.ctx); // + the 150 bundled rows in three more files … and 150 more below
    await writeLandingCsv(path.join(landing, 'more.csv'), 150);
    await runIngest(stage.ctx, { source_path: landing, volume_path: VOLUME, checkpoint_path: `${VOLUME}/checkpoints` });

    const summary = await runTrain(stage.ctx, trainParams({ epochs: '2', max_train_rows: '5000' }));
    const run = await stage.ctx.workspace.tracking.getRun(summary.run_id);
    expect(run.data.params['rows']).toBe('2000300');
    expect(run.data.params['test_rows']).toBe(String(Math.ceil(0.2 * 2_000_300)));
    expect(run.data.params['train_rows']).toBe('5000');
    expect(run.data.params['max_train_rows']).toBe('5000');
    expect(run.data.params['train_rows_sampled_from']).toBe(String(2_000_300 - Math.ceil(0.2 * 2_000_300)));
    expect(run.data.tags[TRAINING_SAMPLE_TAG]).toBe('true');
    const said = stage.reporter.events.filter((event) => event.type === 'log' && /sample of 5000 of the 1600240 training rows/.test(event.message));
    expect(said).toHaveLength(1);
    expect(summary.metrics['test_accuracy']).toBeGreaterThan(0.8);
  });

  it('does not sample, and tags the run so, when the training rows fit', async () => {
    const stage = await localStage(await tempDir());
    await ingestIris(stage.ctx);
    const summary = await runTrain(stage.ctx, trainParams({ epochs: '2' }));
    const run = await stage.ctx.workspace.tracking.getRun(summary.run_id);
    expect(run.data.tags[TRAINING_SAMPLE_TAG]).toBe('false');
    expect(run.data.params['train_rows']).toBe('120');
    expect(run.data.params).not.toHaveProperty('train_rows_sampled_from');
    expect(stage.reporter.events.some((event) => event.type === 'log' && /sample/.test(event.message))).toBe(false);
  });
});

describe('model_training_job cancelled while training', () => {
  it('stops within a second of the abort with ABORTED, and registers nothing', async () => {
    const stage = await localStage(await tempDir());
    await ingestIris(stage.ctx);
    const controller = new AbortController();
    const ctx = { ...stage.ctx, signal: controller.signal };
    let abortedAt = 0;
    // Abort once training is under way: after its first epoch was reported.
    const reporter = stage.ctx.reporter;
    ctx.reporter = {
      report(event) {
        reporter.report(event);
        if (event.type === 'progress' && event.stage === 'train' && abortedAt === 0) {
          setTimeout(() => {
            abortedAt = performance.now();
            controller.abort(new Error('interrupted (SIGINT)'));
          }, 100);
          abortedAt = -1;
        }
      },
    };
    const error = await runTrain(ctx, trainParams({ epochs: '100000' })).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(abortedAt).toBeGreaterThan(0);
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(error).toBeInstanceOf(MlopsError);
    expect((error as MlopsError).code).toBe('ABORTED');
    await expect(stage.ctx.workspace.registry.listModelVersions(MODEL_NAME)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
