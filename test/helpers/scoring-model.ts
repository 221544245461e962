import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { JOB_NAMES, type JobConfig, type JobName, type ResolvedConfig } from '../../src/config/types.js';
import { tableToParquet } from '../../src/io/parquet.js';
import type { Classifier } from '../../src/model/classifier.js';
import { modelToFiles } from '../../src/model/format.js';
import { getTf } from '../../src/model/tf.js';
import { trainClassifier } from '../../src/model/train.js';
import { RecordingReporter } from '../../src/pipeline/reporter.js';
import type { StageContext } from '../../src/stages/context.js';
import { openTracking } from '../../src/tracking/open.js';
import { LocalTableStore } from '../../src/workspace/local/tables.js';
import { LocalVolumeStore } from '../../src/workspace/local/volumes.js';

export const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
export const IRIS_LABELS = ['setosa', 'versicolor', 'virginica'];
export const SCORING_MODEL = 'main.iris.scorer';
export const SCORED_AT = 1_750_000_000_000;

/** The bundled Iris rows: features per column, and the species. */
export function irisColumns(): { columns: Float64Array[]; species: string[] } {
  const lines = readFileSync(new URL('../../data/iris.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
  const columns = IRIS_FEATURES.map((_, j) => Float64Array.from(lines, (line) => Number(line.split(',')[j])));
  return { columns, species: lines.map((line) => line.split(',')[4]!) };
}

let trained: Promise<Classifier> | undefined;

/** A small relu classifier trained on Iris (once per test file). */
export function irisClassifier(): Promise<Classifier> {
  trained ??= (async () => {
    await getTf();
    const { columns, species } = irisColumns();
    const rows = species.length;
    const features = new Float32Array(rows * 4);
    columns.forEach((column, j) => column.forEach((value, r) => (features[r * 4 + j] = value)));
    const { classifier } = await trainClassifier(
      { features, labels: Int32Array.from(species, (s) => IRIS_LABELS.indexOf(s)), rows, featureNames: IRIS_FEATURES, labelNames: IRIS_LABELS },
      { epochs: 60, learningRate: 0.05, hiddenUnits: [8], activation: 'relu', batchSize: 32, seed: 7, testSize: 0.2 },
    );
    return classifier;
  })();
  return trained;
}

/** A local workspace (volumes, tables, MLflow file store) in `dir`, with a pinned clock. */
export function scoringWorkspace(dir: string): { ctx: StageContext; root: string; reporter: RecordingReporter } {
  const root = path.join(dir, 'workspace');
  const jobs = Object.fromEntries(JOB_NAMES.map((name) => [name, { name, displayName: name, parameters: {} } satisfies JobConfig])) as Record<JobName, JobConfig>;
  const config: ResolvedConfig = {
    configPath: path.join(dir, 'mlops.yml'),
    configDir: dir,
    bundle: { name: 'score-test' },
    target: 'dev',
    variables: {},
    workspace: { type: 'local', root },
    trackingUri: `file://${path.join(root, 'mlruns')}`,
    approval: { mode: 'disabled', thresholds: {} },
    jobs,
  };
  const { tracking, registry } = openTracking(config.trackingUri, { baseDir: dir });
  const reporter = new RecordingReporter();
  const ctx: StageContext = {
    workspace: { kind: 'local', location: root, volumes: new LocalVolumeStore({ root }), tables: new LocalTableStore({ root }), tracking, registry },
    config,
    reporter,
    now: () => SCORED_AT,
  };
  return { ctx, root, reporter };
}

/** Logs the classifier as an MLflow model, registers a version of `name` and makes it the champion. */
export async function registerChampion(ctx: StageContext, classifier: Classifier, name = SCORING_MODEL): Promise<string> {
  const { tracking, registry } = ctx.workspace;
  const experimentId = (await tracking.getExperimentByName('/scoring'))?.experimentId ?? (await tracking.createExperiment('/scoring'));
  const run = await tracking.createRun({ experimentId, runName: 'model' });
  for (const [file, bytes] of await modelToFiles(classifier, { runId: run.runId, artifactPath: 'model', now: SCORED_AT })) {
    await tracking.logArtifact(run.runId, `model/${file}`, bytes);
  }
  await registry.createRegisteredModel(name).catch(() => undefined);
  const version = await registry.createModelVersion({ name, source: `${run.artifactUri}/model`, runId: run.runId });
  await registry.setAlias(name, 'champion', version.version);
  return version.version;
}

/** Writes Iris-shaped rows as Parquet (parquet-wasm, SNAPPY), with any extra or replacement columns. */
export async function writeInput(file: string, columns: Float64Array[], extra: Record<string, arrow.Vector> = {}): Promise<void> {
  const vectors: Record<string, arrow.Vector> = Object.fromEntries(IRIS_FEATURES.map((name, j) => [name, arrow.makeVector(columns[j]!)]));
  await writeFile(file, tableToParquet(new arrow.Table({ ...vectors, ...extra })));
}
