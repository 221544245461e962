import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runJob, runPipeline } from '../../src/run.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('examples/penguins', () => {
  it('runs the whole pipeline on the Palmer penguins (missing values, two categorical features) with test accuracy ≥ 0.95', async () => {
    // The example's own mlops.yml, in a scratch folder so that its .mlops/ workspace lands there.
    const cwd = await tempDir();
    const yaml = await readFile(join(ROOT, 'examples', 'penguins', 'mlops.yml'), 'utf8');
    await writeFile(join(cwd, 'mlops.yml'), yaml.replaceAll('../../data/penguins', join(ROOT, 'data', 'penguins')));
    const result = await runPipeline({ load: { cwd, env: {} }, reportDir: false });
    expect(result.failure?.message ?? result.status).toBe('succeeded');
    expect(result.ingestion).toMatchObject({ rows_written: 344, rows_quarantined: 0 });
    expect(result.evaluation!.confusion_matrix.labels).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(result.evaluation!.metrics.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.training!.metrics.test_accuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.predictions?.rows).toBe(344);

    // model_training_job gives no schema: it reads the one ingestion stored with the data (with Iris's it could not find its columns).
    const alone = await runJob({ job: 'model_training_job', load: { cwd, env: {} }, reportDir: false });
    expect(alone.failure?.message ?? alone.status).toBe('succeeded');
    expect(alone.training!.metrics.test_accuracy).toBeGreaterThanOrEqual(0.95);
  }, 300_000);

  it('trains and evaluates a binary label (Adelie or Gentoo): PR AUC and the decision threshold besides ROC AUC', async () => {
    const cwd = await tempDir();
    const csv = (await readFile(join(ROOT, 'data', 'penguins', 'penguins.csv'), 'utf8')).split('\n').filter((line) => !line.startsWith('Chinstrap'));
    await mkdir(join(cwd, 'landing'));
    await writeFile(join(cwd, 'landing', 'two-species.csv'), csv.join('\n'));
    const yaml = await readFile(join(ROOT, 'examples', 'penguins', 'mlops.yml'), 'utf8');
    await writeFile(join(cwd, 'mlops.yml'), yaml.replaceAll('../../data/penguins', join(cwd, 'landing')));
    const result = await runPipeline({ load: { cwd, env: {} }, reportDir: false });
    expect(result.failure?.message ?? result.status).toBe('succeeded');
    expect(result.evaluation!.confusion_matrix.labels).toEqual(['Adelie', 'Gentoo']);
    const metrics = result.evaluation!.metrics;
    expect(metrics.roc_auc).toBeGreaterThan(0.95);
    expect(metrics.pr_auc).toBeGreaterThan(0.95);
    expect(metrics.pr_auc).toBeLessThanOrEqual(1);
    expect(metrics.decision_threshold).toBe(0.5);
    expect(metrics.best_f1_threshold).toBeGreaterThan(0);
    const curve = result.evaluation!.pr_curve!;
    expect(curve.positive_label).toBe('Gentoo');
    expect(curve.recall[0]).toBe(0);
    expect(curve.recall.at(-1)).toBe(1);
  }, 300_000);
});
